import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { foldsNamed, RunConfig, TrainConfig } from '../config/run-config';
import { loadRunConfig, toYaml } from '../config/load';
import { UserError } from '../util/errors';
import { atomicWriteFile, lockFolder, removeStaleTemps } from '../util/files';
import { insideRoot } from '../util/safe-names';
import { withSeededMathRandom } from '../util/rng';
import { classCounts, loadDataset, makeSplits, readSplitManifest, sampleGroupNames, testSplit, writeSplitManifest, loadImages } from '../data';
import { checkTrainable } from '../data/checks';
import type { Dataset, Fold } from '../data/types';
import { createModel, modelOptionsFromConfig } from '../models';
import { selectBackend, SelectedBackend } from '../backend';
import {
  checkCheckpointFits, CheckpointModel, findCheckpoint, INIT_DIR, loadModel, loadModelWeights, loadOptimizerState, readState, TrainState,
} from './checkpoint';
import { checkRunConfig } from './preflight';
import type { ScheduledOptimizer } from './optimizer';
import { createProgress } from './progress';
import type { RunContext, TrainRunOptions } from './run-types';

/** The folder of one fold's files: the run folder itself for a single-fold run, fold-<i>/ with --fold all. */
export function foldDir(runDir: string, fold: number, folds: readonly number[]): string {
  return folds.length > 1 ? path.join(runDir, `fold-${fold}`) : runDir;
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'config.yaml')) && fs.existsSync(path.join(dir, 'split.json'));
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A new folder <outDir>/<name>-<time>[-n], proved to lie inside outDir (the name was checked to be a safe file name). */
function newRunDir(config: RunConfig): string {
  const base = path.resolve(config.runtime.outDir, `${config.name}-${timestamp()}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return insideRoot(config.runtime.outDir, dir, 'name');
}

/**
 * Takes the run folder for this process (two processes, such as two suites
 * with different --out sharing a fold folder, would overwrite each other's
 * checkpoints) and removes temp files a killed process left there.
 */
function takeRunFolder(runDir: string): () => void {
  const release = lockFolder(runDir, `the run folder ${runDir}`);
  removeStaleTemps(runDir);
  return release;
}

function foldPlan(fold: TrainConfig['fold'], splits: readonly Fold[], source: string): number[] {
  const folds = foldsNamed(fold, splits.length);
  const bad = folds.find((f) => f >= splits.length);
  if (bad !== undefined) throw new UserError(`${source}: train.fold: expected a fold index below ${splits.length} or "all", got ${bad}`);
  const twice = folds.find((f, i) => folds.indexOf(f) !== i);
  if (twice !== undefined) throw new UserError(`${source}: train.fold: fold ${twice} is listed twice`);
  if (folds.length === 0) throw new UserError(`${source}: train.fold: the list names no fold`);
  return folds;
}

/** A new run folder for `config` (or opts.runDir), with its config.yaml and split manifest written and its lock taken. */
export async function freshContext(config: RunConfig, opts: TrainRunOptions): Promise<RunContext> {
  const resolved: RunConfig = { ...config, train: { ...config.train, fold: opts.fold ?? config.train.fold } };
  // Everything the config alone decides is checked before the data loads and before a run folder exists.
  checkRunConfig(resolved, 'config');
  const progress = createProgress(opts.progress ?? 'lines');
  const backend = await selectBackend(resolved.runtime);
  const data = await loadDataset(resolved.data, { seed: resolved.seed, log: progress.log });
  const split = resolved.data.split;
  // Matched once: the test split, the folds, the manifest and the start line all group by these.
  const groups = sampleGroupNames(data, split);
  const test = testSplit(data, split, resolved.seed, groups);
  // The folds are made from the images the test split leaves.
  const held = new Set(test);
  checkTrainable(classCounts({ ...data, samples: data.samples.filter((_, i) => !held.has(i)) }), data.classes, split, data.root);
  const splits = makeSplits(data, split, resolved.seed, groups);
  const folds = foldPlan(resolved.train.fold, splits, 'config');
  const runDir = opts.runDir ? path.resolve(opts.runDir) : newRunDir(resolved);
  const release = takeRunFolder(runDir);
  try {
    atomicWriteFile(path.join(runDir, 'config.yaml'), toYaml(resolved));
    writeSplitManifest(path.join(runDir, 'split.json'), data, splits, resolved.seed, groups && { groupBy: split.groupBy, names: groups }, test);
  } catch (err) {
    release();
    throw err;
  }
  progress.log(`run folder: ${runDir}`);
  progress.log(runStartLine(backend, data, split, splits, test, groups));
  return { config: resolved, runDir, data, splits, test, folds, backend, progress, opts, release };
}

/** The run in `runDir` as its config.yaml and split manifest describe it, with its lock taken. */
export async function resumeContext(runDir: string, opts: TrainRunOptions): Promise<RunContext> {
  const dir = path.resolve(runDir);
  const configFile = path.join(dir, 'config.yaml');
  if (!isRunFolder(dir)) throw new UserError(`--resume ${runDir}: no config.yaml and split.json there (not a dresnet run folder)`);
  const config = loadRunConfig(configFile);
  checkRunConfig(config, configFile);
  const release = takeRunFolder(dir);
  try {
    const progress = createProgress(opts.progress ?? 'lines');
    const backend = await selectBackend(config.runtime);
    const { dataset, folds: splits, test } = readSplitManifest(path.join(dir, 'split.json'));
    const data = await loadImages(dataset, config.data, { log: progress.log });
    if (data.samples.length !== dataset.samples.length) {
      throw new UserError(`--resume ${runDir}: ${dataset.samples.length - data.samples.length} images of its split manifest can no longer be read`);
    }
    const folds = foldPlan(config.train.fold, splits, configFile);
    progress.log(`resuming ${dir}`);
    progress.log(runStartLine(backend, data, config.data.split, splits, test, sampleGroupNames(data, config.data.split)));
    return { config, runDir: dir, data, splits, test, folds, backend, progress, opts, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** How the images are split, for the run's start line: k folds or one holdout, with their groups, and the held-out test images. */
function describeSplit(split: RunConfig['data']['split'], splits: readonly Fold[], test: readonly number[], names: readonly string[] | undefined): string {
  const groups = names ? ` by ${split.groupBy} groups (${new Set(names).size})` : '';
  const folds = split.type === 'holdout' ? `holdout of ${splits[0].val.length} validation images${groups}` : `${splits.length} folds${groups}`;
  return test.length > 0 ? `${folds}, held-out test of ${test.length} images` : folds;
}

/** The line every run starts with: what computes (backend, device, threads in effect) and what it trains on; `groups` as sampleGroupNames gives them. */
function runStartLine(backend: SelectedBackend, data: Dataset, split: RunConfig['data']['split'], splits: readonly Fold[], test: readonly number[], groups: readonly string[] | undefined): string {
  const threads = `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  return `start: backend ${backend.name}, device ${backend.device}, ${threads}; ` +
    `data: ${data.samples.length} images, ${data.classes.length} classes, split: ${describeSplit(split, splits, test, groups)}`;
}

/** What the run's config builds, as a checkpoint records it (see checkCheckpointFits). */
export function checkpointModel(config: RunConfig, classes: readonly string[]): CheckpointModel {
  return { name: config.model.name, width: config.model.width, numClasses: classes.length, inputSize: config.data.inputSize, classes: [...classes] };
}

/**
 * Loads last/ to continue a fold, after checking it against the config, and
 * puts the optimiser's schedule at the checkpoint's step. A damaged last/ is
 * named, with best/ offered when that one is intact.
 */
export async function loadLastCheckpoint(lastDir: string, foldPath: string, expected: CheckpointModel, model: LayersModel, optimizer: ScheduledOptimizer): Promise<TrainState> {
  try {
    const state = readState(lastDir);
    checkCheckpointFits(lastDir, state, expected);
    loadModelWeights(lastDir, model);
    await loadOptimizerState(lastDir, optimizer.optimizer);
    optimizer.step = state.step;
    return state;
  } catch (err) {
    const best = findCheckpoint(path.join(foldPath, 'best'));
    if (!(err instanceof UserError) || !best || best === lastDir) throw err;
    throw new UserError(`${err.message}; ${best} (epoch ${readState(best).epoch}) looks intact: copy it over ${lastDir} to continue from there`);
  }
}

/** The run's model with initial weights that are a pure function of (seed, fold). */
export function buildModel(config: RunConfig, numClasses: number, fold: number): LayersModel {
  return withSeededMathRandom([config.seed, 0x1417, fold], () =>
    createModel(config.model.name, modelOptionsFromConfig(config.model, numClasses, config.data.inputSize)),
  );
}

/** The fold's starting model: the one saved in its init/ folder (a pruned model to fine-tune) if there is one, else buildModel's. */
export async function foldModel(config: RunConfig, numClasses: number, fold: number, dir: string): Promise<LayersModel> {
  const init = path.join(dir, INIT_DIR);
  return fs.existsSync(path.join(init, 'model.json')) ? loadModel(init) : buildModel(config, numClasses, fold);
}
