import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { atomicWriteFile } from '../util/files';
import { readJson, writeJson } from '../report/run-report';

/**
 * A checkpoint folder (best/ or last/):
 *   model.json + weights.bin   tfjs layers-model files (loadable by tf.loadLayersModel)
 *   optimizer.json + .bin      the optimiser's slots (momentum / Adam moments, iteration count)
 *   state.json                 where training stands (TrainState)
 * It is written into a sibling temp folder and renamed into place, so a
 * reader (or a crash) never sees a half-written checkpoint.
 */

/** Where a fold's training stands; enough to continue it exactly. */
export interface TrainState {
  /** Epochs fully done (the next epoch to run, 0-based). */
  epoch: number;
  /** Batches of `epoch` already trained on (non-zero only after an interruption mid-epoch). */
  batchInEpoch: number;
  /** Optimisation steps done; the lr schedule is a function of it. */
  step: number;
  /** Running sums of the epoch in progress, so its metrics.csv row comes out the same after a resume. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number };
  bestTop1: number;
  bestEpoch: number;
  /** The data order is a pure function of (seed, epoch); recorded for provenance. */
  seed: number;
  normalization: { mean: number[]; std: number[] };
}

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface OptimizerLike {
  getWeights(): Promise<NamedTensor[]>;
  setWeights(weights: NamedTensor[]): Promise<void>;
}

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return tf.io.CompositeArrayBuffer.join(data);
}

async function modelArtifacts(model: LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/** model.json (topology) + weights.bin: tfjs layers-model files, loadable by tf.loadLayersModel. */
async function writeModelFiles(dir: string, model: LayersModel): Promise<void> {
  const artifacts = await modelArtifacts(model);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  atomicWriteFile(path.join(dir, 'weights.bin'), new Uint8Array(joinWeightData(artifacts.weightData ?? new ArrayBuffer(0))));
  atomicWriteFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
}

async function writeCheckpointFiles(dir: string, model: LayersModel, optimizer: OptimizerLike, state: TrainState): Promise<void> {
  await writeModelFiles(dir, model);
  const slots = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(slots);
  // getWeights makes a fresh 'iter' scalar first; the other slots are the optimiser's own variables.
  slots[0].tensor.dispose();
  atomicWriteFile(path.join(dir, 'optimizer.bin'), new Uint8Array(joinWeightData(encoded.data)));
  writeJson(path.join(dir, 'optimizer.json'), { weights: encoded.specs });
  writeJson(path.join(dir, 'state.json'), state);
}

/** Saves a checkpoint folder atomically: temp folder, then rename over the old one. */
export async function saveCheckpoint(dir: string, model: LayersModel, optimizer: OptimizerLike, state: TrainState): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await writeCheckpointFiles(tmp, model, optimizer, state);
  // Two renames leave a window with no `dir`; findCheckpoint falls back to the .old copy then.
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** The complete checkpoint folder for `dir`, including one left as `.old-*` by a crash mid-swap. */
export function findCheckpoint(dir: string): string | undefined {
  if (fs.existsSync(path.join(dir, 'state.json'))) return dir;
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) return undefined;
  const prefix = `${path.basename(dir)}.old-`;
  const old = fs.readdirSync(parent).find((f) => f.startsWith(prefix) && fs.existsSync(path.join(parent, f, 'state.json')));
  return old ? path.join(parent, old) : undefined;
}

export function readState(dir: string): TrainState {
  return readJson<TrainState>(path.join(dir, 'state.json'));
}

function readWeights(binFile: string, specs: tf.io.WeightsManifestEntry[]): tf.Tensor[] {
  const buf = fs.readFileSync(binFile);
  const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(data, specs);
  return specs.map((s) => named[s.name]);
}

/**
 * Loads weights into a model built from the same config. Weights are matched
 * by position, not name: tfjs numbers layer names per process, so names differ
 * between the saving and the loading process, while the order does not.
 */
export function loadModelWeights(dir: string, model: LayersModel): void {
  const modelJson = readJson<{ weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(path.join(dir, 'model.json'));
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const tensors = readWeights(path.join(dir, 'weights.bin'), specs);
  try {
    if (tensors.length !== model.weights.length) {
      throw new Error(`${dir}: checkpoint has ${tensors.length} weights, the model has ${model.weights.length}`);
    }
    model.weights.forEach((w, i) => {
      if (!tf.util.arraysEqual(w.shape as number[], tensors[i].shape)) {
        throw new Error(`${dir}: weight ${i} (${w.name}) has shape [${w.shape}] in the model, [${tensors[i].shape}] in the checkpoint`);
      }
    });
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * The folder, inside a fold's folder, of the model a run starts from instead
 * of building config.model (a pruned model that the run fine-tunes).
 */
export const INIT_DIR = 'init';

/** Saves a model alone (no optimiser, no state) as tfjs layers-model files. */
export async function saveModel(dir: string, model: LayersModel): Promise<void> {
  await writeModelFiles(dir, model);
}

/** A model with its own topology and weights, from model.json + weights.bin. */
export async function loadModel(dir: string): Promise<LayersModel> {
  const { modelTopology } = readJson<{ modelTopology: tf.io.ModelJSON['modelTopology'] }>(path.join(dir, 'model.json'));
  const model = await tfl.models.modelFromJSON({ modelTopology } as tfl.ModelAndWeightsConfig);
  loadModelWeights(dir, model);
  return model;
}

export async function loadOptimizerState(dir: string, optimizer: OptimizerLike): Promise<void> {
  const { weights: specs } = readJson<{ weights: tf.io.WeightsManifestEntry[] }>(path.join(dir, 'optimizer.json'));
  const tensors = readWeights(path.join(dir, 'optimizer.bin'), specs);
  // setWeights turns each tensor into a new variable; the decoded tensors are then ours to free.
  await optimizer.setWeights(specs.map((s, i) => ({ name: s.name, tensor: tensors[i] })));
  tf.dispose(tensors);
}
