import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { atomicWriteFile, processAlive, removeStaleTemps } from '../util/files';
import { readJson, writeJson } from '../util/json';

/**
 * A checkpoint folder (best/ or last/):
 *   model.json + weights.bin   tfjs layers-model files (loadable by tf.loadLayersModel)
 *   optimizer.json + .bin      the optimiser's slots (momentum / Adam moments, iteration count)
 *   state.json                 where training stands (TrainState)
 * It is written into a sibling temp folder and renamed into place, so a
 * reader (or a crash) never sees a half-written checkpoint.
 */

/** What a checkpoint was trained as, so eval and --resume can say how a config differs from it. */
export interface CheckpointModel {
  name: string;
  width: number;
  numClasses: number;
  inputSize: number;
  classes: string[];
}

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
  /** The model the weights belong to (absent in checkpoints written before it was recorded). */
  model?: CheckpointModel;
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

/**
 * Saves a checkpoint folder atomically: temp folder, then rename over the old
 * one. A failure (a full disk) removes the temp folder and leaves the old
 * checkpoint as it was.
 */
export async function saveCheckpoint(dir: string, model: LayersModel, optimizer: OptimizerLike, state: TrainState): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await writeCheckpointFiles(tmp, model, optimizer, state);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // Two renames leave a window with no `dir`; findCheckpoint falls back to the .old copy then.
  // Both are synchronous, so no signal handler (a second Ctrl-C exits at once) can run between them.
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

/**
 * Removes what a killed process left of saving `dir`: its half-written
 * `.tmp-<pid>` folder, and an `.old-<pid>` copy once `dir` itself is complete
 * (until then findCheckpoint still needs the copy).
 */
export function removeStaleCheckpointTemps(dir: string): void {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  removeStaleTemps(parent, base);
  if (!fs.existsSync(path.join(dir, 'state.json')) || !fs.existsSync(parent)) return;
  const prefix = `${base}.old-`;
  for (const name of fs.readdirSync(parent)) {
    const pid = name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)) ? Number(name.slice(prefix.length)) : undefined;
    if (pid !== undefined && pid !== process.pid && !processAlive(pid)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** A damaged checkpoint file: the user's to restore or remove, not an internal error. */
function damaged(file: string, why: string): UserError {
  return new UserError(`${file}: damaged checkpoint file: ${why} (restore it, or remove the checkpoint folder to train that fold from the start)`);
}

function readCheckpointJson<T>(file: string): T {
  try {
    return readJson<T>(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw damaged(file, code === 'ENOENT' ? 'missing' : (err as Error).message.split('\n')[0]);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isTriple = (v: unknown): boolean => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

export function readState(dir: string): TrainState {
  const file = path.join(dir, 'state.json');
  const state = readCheckpointJson<TrainState>(file);
  const ok = state !== null && typeof state === 'object' && isCount(state.epoch) && isCount(state.batchInEpoch) && isCount(state.step) &&
    typeof state.partial === 'object' && state.partial !== null && isTriple(state.normalization?.mean) && isTriple(state.normalization?.std);
  if (!ok) throw damaged(file, 'expected epoch, batchInEpoch and step counts, partial sums and a 3-channel normalization');
  return state;
}

/** Bytes each weight takes in a .bin file, from its manifest entry. */
function expectedBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  const bytesPer: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (bytesPer[s.dtype] ?? 4), 0);
}

function readWeights(binFile: string, specs: tf.io.WeightsManifestEntry[]): tf.Tensor[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(binFile);
  } catch (err) {
    throw damaged(binFile, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message);
  }
  const want = expectedBytes(specs);
  if (buf.byteLength !== want) throw damaged(binFile, `${buf.byteLength} bytes, its manifest describes ${want} (truncated or overwritten?)`);
  const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(data, specs);
  return specs.map((s) => named[s.name]);
}

function manifestSpecs(file: string, key: 'weightsManifest' | 'weights'): tf.io.WeightsManifestEntry[] {
  const json = readCheckpointJson<Record<string, unknown>>(file);
  const entries = key === 'weightsManifest'
    ? (Array.isArray(json?.weightsManifest) ? (json.weightsManifest as { weights?: unknown }[]).flatMap((g) => (Array.isArray(g?.weights) ? g.weights : [undefined])) : [undefined])
    : (Array.isArray(json?.weights) ? json.weights : [undefined]);
  const valid = entries.every((e) => e && typeof e.name === 'string' && typeof e.dtype === 'string' && Array.isArray(e.shape) && e.shape.every(isCount));
  if (!valid) throw damaged(file, `expected a ${key} list of {name, shape, dtype} entries`);
  return entries as tf.io.WeightsManifestEntry[];
}

/**
 * The differences between what a checkpoint was trained as and what the
 * config would build, one "key: checkpoint X, config Y" each; a mismatched
 * checkpoint is a user error that names them.
 */
export function checkCheckpointFits(dir: string, state: TrainState, expected: CheckpointModel): void {
  const got = state.model;
  if (!got) return;
  const diffs = (['name', 'width', 'numClasses', 'inputSize', 'classes'] as const)
    .filter((k) => JSON.stringify(got[k]) !== JSON.stringify(expected[k]))
    .map((k) => `${k === 'name' ? 'model' : k}: checkpoint ${JSON.stringify(got[k])}, config ${JSON.stringify(expected[k])}`);
  if (diffs.length > 0) throw new UserError(`${dir}: the checkpoint does not match the run's config: ${diffs.join('; ')}`);
}

/**
 * Loads weights into a model built from the same config. Weights are matched
 * by position, not name: tfjs numbers layer names per process, so names differ
 * between the saving and the loading process, while the order does not.
 * Weights that hold NaN or Infinity are refused: training on would only
 * report a diverged loss and blame the learning rate.
 */
export function loadModelWeights(dir: string, model: LayersModel): void {
  const specs = manifestSpecs(path.join(dir, 'model.json'), 'weightsManifest');
  const shapeDiffers = (i: number) => !tf.util.arraysEqual(model.weights[i].shape as number[], specs[i].shape);
  if (specs.length !== model.weights.length) {
    throw new UserError(`${dir}: the checkpoint has ${specs.length} weights, the config's model has ${model.weights.length} (a different model or width?)`);
  }
  const bad = specs.findIndex((_, i) => shapeDiffers(i));
  if (bad >= 0) {
    throw new UserError(`${dir}: weight ${bad} (${model.weights[bad].name}) has shape [${model.weights[bad].shape}] in the config's model, [${specs[bad].shape}] in the checkpoint`);
  }
  const tensors = readWeights(path.join(dir, 'weights.bin'), specs);
  try {
    const nonFinite = tensors.findIndex((t) => t.dtype === 'float32' && !tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]));
    if (nonFinite >= 0) throw damaged(path.join(dir, 'weights.bin'), `weight ${nonFinite} (${specs[nonFinite].name}) holds NaN or Infinity`);
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
  const specs = manifestSpecs(path.join(dir, 'optimizer.json'), 'weights');
  const tensors = readWeights(path.join(dir, 'optimizer.bin'), specs);
  // setWeights turns each tensor into a new variable; the decoded tensors are then ours to free.
  await optimizer.setWeights(specs.map((s, i) => ({ name: s.name, tensor: tensors[i] })));
  tf.dispose(tensors);
}
