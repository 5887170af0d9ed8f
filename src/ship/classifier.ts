/**
 * A trained model ready to classify image files: from a run's checkpoint
 * (predict --run, preprocessed exactly as the run's data pipeline) or from
 * an export folder (predict --model, preprocessed by the export's own
 * preprocessing module, the code the page runs in the browser).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { foldsNamed, RunConfig } from '../config/run-config';
import { loadRunConfig } from '../config/load';
import { readSplitManifest } from '../data';
import type { Dataset, Normalization } from '../data/types';
import { selectBackend, SelectedBackend } from '../backend';
import { InferenceLogits } from '../train/step';
import { checkCheckpointFits, findCheckpoint, loadModelWeights, readState, TrainState } from '../train/checkpoint';
import { checkpointModel, foldDir, foldModel, isRunFolder } from '../train/run-folder';
import { readJson } from '../util/json';
import { UserError } from '../util/errors';
import { packageRoot } from '../util/files';
import { abnormalClasses } from '../data/roles';
import { decodeOrExplain, modelInputs, runPixels } from './inputs';

/** How an image becomes the model's input: what metadata.json records as `input`. */
export interface InputSpec {
  size: number;
  resize: 'pad' | 'crop';
  mean: [number, number, number];
  std: [number, number, number];
}

export interface Classifier {
  /** What it is, for the first line of predict's output. */
  source: string;
  classes: string[];
  /** Per class, abnormal or not; undefined when the task has no normal/abnormal split. */
  abnormal?: boolean[];
  input: InputSpec;
  /** The model's input(s) for one file: one, or the eight views of TTA. */
  inputs(file: string, tta: boolean): Promise<Float32Array[]>;
  /** Class probabilities, one row per input (a row-major [n, classes] array). */
  probabilities(inputs: readonly Float32Array[]): Float32Array;
  dispose(): void;
}

function normalizationOf(state: TrainState): Normalization {
  const { mean, std } = state.normalization;
  return { mean: [mean[0], mean[1], mean[2]], std: [std[0], std[1], std[2]] };
}

/** Rows of probabilities from a model that maps a [n, s, s, 3] batch to [n, classes]. */
function batchProbabilities(size: number, inputs: readonly Float32Array[], forward: (x: tf.Tensor4D) => tf.Tensor): Float32Array {
  const stride = size * size * 3;
  const batch = new Float32Array(inputs.length * stride);
  inputs.forEach((x, i) => batch.set(x, i * stride));
  const probs = tf.tidy(() => forward(tf.tensor4d(batch, [inputs.length, size, size, 3])));
  const out = probs.dataSync() as Float32Array;
  probs.dispose();
  return out;
}

/** A run folder's model, config, split and checkpoint, with the errors a user can act on. */
export interface RunCheckpoint {
  runDir: string;
  config: RunConfig;
  dataset: Dataset;
  fold: number;
  /** The fold's folder: its checkpoints, and the init/ a pruned run started from. */
  foldDir: string;
  /** The fold's validation samples (indices into dataset.samples). */
  val: number[];
  checkpointDir: string;
  state: TrainState;
}

export function openRun(runDir: string, checkpoint: 'best' | 'last', fold?: number): RunCheckpoint {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) throw new UserError(`--run ${runDir}: no such folder`);
  if (!isRunFolder(dir)) throw new UserError(`--run ${runDir}: no config.yaml and split.json there (not a dresnet run folder)`);
  const config = loadRunConfig(path.join(dir, 'config.yaml'));
  const { dataset, folds } = readSplitManifest(path.join(dir, 'split.json'));
  const trained = foldsNamed(config.train.fold, folds.length);
  const f = fold ?? trained[0];
  if (!trained.includes(f)) throw new UserError(`--fold ${f}: run ${runDir} trained fold(s) ${trained.join(', ')}`);
  const fd = foldDir(dir, f, trained);
  const checkpointDir = findCheckpoint(path.join(fd, checkpoint));
  if (!checkpointDir) throw new UserError(`--run ${runDir}: fold ${f} has no ${checkpoint}/ checkpoint (training did not save one yet)`);
  const state = readState(checkpointDir);
  checkCheckpointFits(checkpointDir, state, checkpointModel(config, dataset.classes));
  return { runDir: dir, config, dataset, fold: f, foldDir: fd, val: folds[f].val, checkpointDir, state };
}

/** The run's model (a pruned run's own, smaller architecture, as the trainer starts it) with the checkpoint's weights; the caller disposes it. */
export async function loadRunModel(run: RunCheckpoint): Promise<tfl.LayersModel> {
  const model = await foldModel(run.config, run.dataset.classes.length, run.fold, run.foldDir);
  loadModelWeights(run.checkpointDir, model);
  return model;
}

export async function runClassifier(run: RunCheckpoint): Promise<Classifier & { backend: SelectedBackend }> {
  const backend = await selectBackend(run.config.runtime);
  const model = await loadRunModel(run);
  const inference = new InferenceLogits(model, run.config.runtime.compile);
  const normalization = normalizationOf(run.state);
  const { inputSize: size, resize } = run.config.data;
  return {
    backend,
    source: `run ${run.runDir} (fold ${run.fold}, ${path.basename(run.checkpointDir)} checkpoint, epoch ${run.state.epoch})`,
    classes: run.dataset.classes,
    abnormal: abnormalClasses(run.dataset.roles),
    input: { size, resize, ...normalization },
    inputs: async (file, tta) => modelInputs(await runPixels(file, run.config.data), size, normalization, tta),
    // As evaluateModel scores a batch: the logits in inference mode, then softmax.
    probabilities: (inputs) => batchProbabilities(size, inputs, (x) => tf.softmax(inference.of(x))),
    dispose: () => {
      inference.dispose();
      model.dispose();
    },
  };
}

/** The run's identity for an export's metadata: its folder name and a hash of its resolved config. */
export function runIdentity(run: RunCheckpoint): { id: string; configHash: string } {
  const configText = fs.readFileSync(path.join(run.runDir, 'config.yaml'), 'utf8');
  return { id: path.basename(run.runDir), configHash: crypto.createHash('sha256').update(configText).digest('hex').slice(0, 16) };
}

/** metadata.json of an export (written by export.ts). */
export interface ExportMetadata {
  format: 'dresnet-export';
  version: 1;
  model: string;
  classes: string[];
  abnormal: boolean[] | null;
  threshold: number;
  input: InputSpec;
  quantization: 'none' | 'float16' | 'uint8';
  layersModule: string;
  [key: string]: unknown;
}

/** The preprocessing module the page runs, loaded into Node (an ES module without imports). */
interface PortablePreprocessing {
  resizeSquare(rgb: Uint8Array, width: number, height: number, size: number, mode: 'pad' | 'crop'): Uint8Array;
}

export function webAssetPath(name: string): string {
  return path.join(packageRoot(), 'web', name);
}

function portablePreprocessing(): PortablePreprocessing {
  // Node 20.19+ loads an ES module without top-level await through require.
  return require(webAssetPath('dresnet-preprocess.mjs')) as PortablePreprocessing;
}

/** The artifacts tfjs-layers loads: model.json's topology and weight specs, and the shards joined in order. */
export function readExportArtifacts(dir: string): tf.io.ModelArtifacts {
  const modelFile = path.join(dir, 'model.json');
  if (!fs.existsSync(modelFile)) throw new UserError(`--model ${dir}: no model.json there (not a dresnet export folder; make one with dresnet export)`);
  const json = readJson<{ modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig }>(modelFile);
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const joined = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer,
  };
}

export function readExportMetadata(dir: string): ExportMetadata {
  const file = path.join(dir, 'metadata.json');
  if (!fs.existsSync(file)) throw new UserError(`--model ${dir}: no metadata.json there (not a dresnet export folder; make one with dresnet export)`);
  const meta = readJson<ExportMetadata>(file);
  if (meta.format !== 'dresnet-export') throw new UserError(`${file}: format ${JSON.stringify(meta.format)}, expected "dresnet-export"`);
  return meta;
}

/**
 * An exported model, run by this project's tfjs (its own layer classes, which
 * share the export's class names) on the fastest backend, with the page's
 * preprocessing. tfjs dequantizes float16/uint8 weights as it loads them.
 */
export async function exportClassifier(artifacts: tf.io.ModelArtifacts, meta: ExportMetadata, source: string): Promise<Classifier> {
  await selectBackend({ backend: 'auto', device: 'cpu', threads: 0 });
  const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const { resizeSquare } = portablePreprocessing();
  const { size, resize, mean, std } = meta.input;
  return {
    source,
    classes: meta.classes,
    abnormal: meta.abnormal ?? undefined,
    input: meta.input,
    inputs: async (file, tta) => {
      const image = await decodeOrExplain(file);
      return modelInputs(resizeSquare(image.data, image.width, image.height, size, resize), size, { mean, std }, tta);
    },
    probabilities: (inputs) => batchProbabilities(size, inputs, (x) => model.predict(x) as tf.Tensor),
    dispose: () => model.dispose(),
  };
}

export async function exportFolderClassifier(dir: string): Promise<Classifier> {
  const meta = readExportMetadata(dir);
  return exportClassifier(readExportArtifacts(dir), meta, `export ${path.resolve(dir)} (${meta.quantization === 'none' ? 'float32' : meta.quantization} weights)`);
}
