/**
 * dresnet export: a run's checkpoint as a self-contained inference model
 * that stock TensorFlow.js loads with tf.loadLayersModel:
 *   model.json + group1-shard*.bin   the batch-norm-folded network (a tfjs layers model), weights
 *                                     float32 or quantized in tfjs's manifest form
 *   dresnet-layers.mjs               the ES module that registers the zoo's custom layers (load it first)
 *   metadata.json                    classes, which are abnormal, the preprocessing, the run's identity and metrics
 *   export-summary.json              sizes and validation metrics per quantization
 * and, with --web, the page that classifies an image in the browser.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend';
import { fuseBatchNorms } from '../models';
import { argmaxRows, evaluatePredictions, EvalMetrics } from '../train/metrics';
import { provenance } from '../report/run-report';
import { readJson, writeJson } from '../util/json';
import { atomicWriteFile } from '../util/files';
import {
  Classifier, exportClassifier, ExportMetadata, loadRunModel, openRun, readExportArtifacts, RunCheckpoint, runClassifier, runIdentity, webAssetPath,
} from './classifier';
import { predictFiles } from './predict';
import { Quantization, QUANTIZATIONS, quantizeWeights } from './quantize';
import { abnormalClasses } from '../data/roles';
import { ABNORMAL_THRESHOLD } from './roles';
import { writeWebPage } from './web';

export const LAYERS_MODULE = 'dresnet-layers.mjs';
/** tfjs-converter's default shard size, so a browser fetches the weights in a few parallel parts. */
const SHARD_BYTES = 4 * 1024 * 1024;

export interface ExportOptions {
  runDir: string;
  outDir: string;
  quantize: Quantization;
  checkpoint: 'best' | 'last';
  fold?: number;
  web?: boolean;
  log?: (line: string) => void;
}

/** One row of the summary: an encoding's size and its metrics on the run's validation split. */
export interface ExportRow {
  weights: 'run checkpoint' | 'float32' | 'float16' | 'uint8';
  /** model.json plus weight shards, in MiB; absent for the run's checkpoint. */
  sizeMiB?: number;
  top1: number;
  auc?: number;
  /** Against the float32 export: largest probability difference and the share of images with the same top-1. */
  maxAbsDiff?: number;
  sameTop1?: number;
}

export interface ExportSummary {
  outDir: string;
  quantization: Quantization;
  images: number;
  rows: ExportRow[];
}

async function saveArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

interface Encoded {
  modelJson: string;
  shards: Uint8Array[];
  artifacts: tf.io.ModelArtifacts;
}

function shardName(i: number, n: number): string {
  return `group1-shard${i + 1}of${n}.bin`;
}

/** model.json and its shards for one quantization. */
function encode(artifacts: tf.io.ModelArtifacts, q: Quantization): Encoded {
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
  const { specs, data: bytes } = quantizeWeights(artifacts.weightSpecs ?? [], data, q);
  const n = Math.max(1, Math.ceil(bytes.length / SHARD_BYTES));
  const shards = Array.from({ length: n }, (_, i) => bytes.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: `dresnet export (custom layers: ${LAYERS_MODULE})`,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: shards.map((_, i) => shardName(i, n)), weights: specs }],
  });
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { modelJson, shards, artifacts: { modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData } };
}

function sizeMiB(e: Encoded): number {
  return (Buffer.byteLength(e.modelJson) + e.shards.reduce((a, s) => a + s.length, 0)) / 2 ** 20;
}

function writeEncoded(dir: string, e: Encoded): void {
  // Shards of an earlier export into the same folder would be left over under other counts.
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (/^group1-shard\d+of\d+\.bin$/.test(f)) fs.rmSync(path.join(dir, f));
  e.shards.forEach((s, i) => atomicWriteFile(path.join(dir, shardName(i, e.shards.length)), s));
  atomicWriteFile(path.join(dir, 'model.json'), e.modelJson);
}

interface SplitResult {
  metrics: EvalMetrics;
  probs: Float32Array;
}

/** A classifier's metrics on the run's validation split (the same predictFiles path as dresnet predict). */
async function evaluateOnSplit(classifier: Classifier, run: RunCheckpoint): Promise<SplitResult> {
  const samples = run.val.map((i) => run.dataset.samples[i]);
  const { predictions } = await predictFiles(classifier, samples.map((s) => s.path));
  const probs = Float32Array.from(predictions.flatMap((p) => p.probs));
  const labels = Int32Array.from(samples, (s) => s.label);
  return { metrics: evaluatePredictions({ probs, labels, numClasses: run.dataset.classes.length }, run.dataset.classes, run.dataset.roles), probs };
}

/** Largest probability difference and share of equal top-1 between two runs over the same images. */
export function agreement(a: Float32Array, b: Float32Array, k: number): { maxAbsDiff: number; sameTop1: number } {
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
  const [topA, topB] = [argmaxRows(a, k), argmaxRows(b, k)];
  const n = topA.length;
  const same = topA.filter((c, r) => c === topB[r]).length;
  return { maxAbsDiff, sameTop1: n > 0 ? same / n : NaN };
}

function metadataFor(run: RunCheckpoint, quantization: Quantization, validation: Record<string, unknown>): ExportMetadata {
  const { mean, std } = run.state.normalization;
  const report = fs.existsSync(path.join(run.runDir, 'report.json')) ? readJson<{ gitCommit?: string; summary?: unknown }>(path.join(run.runDir, 'report.json')) : {};
  return {
    format: 'dresnet-export',
    version: 1,
    model: run.config.model.name,
    classes: run.dataset.classes,
    abnormal: abnormalClasses(run.dataset.roles) ?? null,
    threshold: ABNORMAL_THRESHOLD,
    input: { size: run.config.data.inputSize, resize: run.config.data.resize, mean: [mean[0], mean[1], mean[2]], std: [std[0], std[1], std[2]] },
    quantization,
    layersModule: LAYERS_MODULE,
    tfjs: tf.version_core,
    run: {
      ...runIdentity(run),
      task: run.config.data.task,
      source: run.config.data.source,
      fold: run.fold,
      checkpoint: path.basename(run.checkpointDir),
      epoch: run.state.epoch,
      gitCommit: report.gitCommit ?? null,
      summary: report.summary ?? null,
    },
    validation,
    exportedBy: { gitCommit: provenance().gitCommit },
  };
}

export async function exportRun(opts: ExportOptions): Promise<ExportSummary> {
  const log = opts.log ?? (() => {});
  const run = openRun(opts.runDir, opts.checkpoint, opts.fold);
  const outDir = path.resolve(opts.outDir);
  await selectBackend(run.config.runtime);
  const model = await loadRunModel(run);
  let folded: tfl.LayersModel;
  try {
    folded = fuseBatchNorms(model);
  } finally {
    model.dispose();
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await saveArtifacts(folded);
  } finally {
    folded.dispose();
  }
  const encoded = new Map(QUANTIZATIONS.map((q) => [q, encode(artifacts, q)] as const));
  writeEncoded(outDir, encoded.get(opts.quantize)!);
  fs.copyFileSync(webAssetPath(LAYERS_MODULE), path.join(outDir, LAYERS_MODULE));

  log(`evaluating on fold ${run.fold}'s ${run.val.length} validation images`);
  const rows: ExportRow[] = [];
  const ownRun = await runClassifier(run);
  try {
    const { metrics } = await evaluateOnSplit(ownRun, run);
    rows.push({ weights: 'run checkpoint', top1: metrics.top1, auc: metrics.clinical?.auc });
  } finally {
    ownRun.dispose();
  }
  const meta = metadataFor(run, opts.quantize, {});
  let reference: Float32Array | undefined;
  for (const q of QUANTIZATIONS) {
    const e = encoded.get(q)!;
    // The written encoding is read back from disk, as predict --model reads it.
    const classifier = await exportClassifier(q === opts.quantize ? readExportArtifacts(outDir) : e.artifacts, { ...meta, quantization: q }, q);
    try {
      const { metrics, probs } = await evaluateOnSplit(classifier, run);
      reference ??= probs;
      rows.push({ weights: q === 'none' ? 'float32' : q, sizeMiB: sizeMiB(e), top1: metrics.top1, auc: metrics.clinical?.auc, ...agreement(reference, probs, run.dataset.classes.length) });
    } finally {
      classifier.dispose();
    }
  }
  const summary: ExportSummary = { outDir, quantization: opts.quantize, images: run.val.length, rows };
  const validation = { fold: run.fold, images: run.val.length, rows };
  writeJson(path.join(outDir, 'metadata.json'), metadataFor(run, opts.quantize, validation));
  writeJson(path.join(outDir, 'export-summary.json'), summary);
  if (opts.web) writeWebPage(outDir);
  return summary;
}

export function formatExportSummary(s: ExportSummary): string {
  const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(2)}%`);
  const lines = [
    `exported to ${s.outDir} (weights: ${s.quantization === 'none' ? 'float32' : s.quantization})`,
    `validation split: ${s.images} images; the run's checkpoint through the run's preprocessing, the exports through the page's`,
    '| weights | size MiB | top-1 | abnormal AUC | max |dp| vs float32 | same top-1 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...s.rows.map((r) => `| ${r.weights} | ${r.sizeMiB === undefined ? '-' : r.sizeMiB.toFixed(2)} | ${pct(r.top1)} | ${r.auc === undefined ? '-' : r.auc.toFixed(4)} | ` +
      `${r.maxAbsDiff === undefined ? '-' : r.maxAbsDiff.toExponential(2)} | ${pct(r.sameTop1)} |`),
  ];
  return lines.join('\n') + '\n';
}
