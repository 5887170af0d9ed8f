import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { foldsNamed, RunConfig, TrainConfig } from '../config/run-config';
import { loadRunConfig, toYaml } from '../config/load';
import { UserError } from '../util/errors';
import { atomicWriteFile, lockFolder, removeStaleTemps } from '../util/files';
import { insideRoot } from '../util/safe-names';
import { classCounts, createBatchStream, loadDataset, makeSplits, computeNormalization, readSplitManifest, writeSplitManifest, loadImages } from '../data';
import { checkTrainable } from '../data/checks';
import type { LoadedDataset } from '../data/images';
import type { Fold, Normalization } from '../data/types';
import { createModel, modelOptionsFromConfig } from '../models';
import { describeBackend, selectBackend, SelectedBackend } from '../backend';
import { readCsv, writeCsv, CsvRow } from '../util/csv';
import { readJson, writeJson } from '../util/json';
import { provenance } from '../report/run-report';
import {
  checkCheckpointFits, CheckpointModel, findCheckpoint, INIT_DIR, loadModel, loadModelWeights, loadOptimizerState, readState, removeStaleCheckpointTemps, saveCheckpoint,
  TrainState,
} from './checkpoint';
import { checkRunConfig } from './preflight';
import { makeLoss, LossFn } from './losses';
import { EvalMetrics } from './metrics';
import { meanStd } from '../stats/mean-std';
import { decayedVariables, makeOptimizer, ScheduledOptimizer } from './optimizer';
import { createProgress, Progress, ProgressMode } from './progress';
import { withSeededMathRandom } from '../util/rng';
import { learningRateAt } from './schedule';
import { Batch, evaluateModel, Evaluation, trainStep } from './step';
import { confusionCsv, perClassRows, PER_CLASS_COLUMNS } from './tables';

/** Columns of metrics.csv. Timing is kept in its own columns so runs can be compared on the rest. */
export const METRIC_COLUMNS = [
  'epoch', 'step', 'lr', 'train_loss', 'train_top1', 'val_loss', 'val_top1', 'val_top5',
  'img_per_s', 'seconds',
] as const;
export const TIMING_COLUMNS: readonly string[] = ['img_per_s', 'seconds'];

export interface TrainRunOptions {
  /** Overrides config.train.fold. */
  fold?: TrainConfig['fold'];
  /** Write into this folder instead of <outDir>/<name>-<time>; when it already holds a run, that run is resumed. */
  runDir?: string;
  /** Continue the run in this folder (as resumeRun); the config argument is then not used. */
  resume?: string;
  /** Stop (as an interruption would, checkpoint saved) once this many epochs of a fold are done. For tests and debugging. */
  stopAfterEpoch?: number;
  progress?: ProgressMode;
  /** Set `.stop = true` (the CLI does on SIGINT) to save and stop after the current step. */
  interrupt?: { stop: boolean };
  /** Called after each epoch's validation (suite workers report it to their coordinator). */
  onEpoch?: (report: EpochReport) => void;
}

/** One finished epoch of a fold, as onEpoch reports it (losses per image, top-1 as a fraction). */
export interface EpochReport {
  fold: number;
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number;
  valTop1: number;
}

export interface FoldResult {
  fold: number;
  status: 'completed' | 'interrupted';
  epochsDone: number;
  /** Validation metrics after the last epoch (the figures the tables use: picking the best epoch on the validation fold would bias them). */
  final?: EvalMetrics & { loss: number };
  bestEpoch: number;
  bestTop1: number;
  trainImgPerSec: number;
  trainSeconds: number;
}

export interface RunResult {
  runDir: string;
  status: 'completed' | 'interrupted';
  folds: FoldResult[];
  /** Mean and std over the completed folds of each summary metric. */
  summary: Record<string, { mean: number; std: number }>;
}

class TrainingDiverged extends UserError {}

interface RunContext {
  config: RunConfig;
  runDir: string;
  data: LoadedDataset;
  splits: Fold[];
  folds: number[];
  backend: SelectedBackend;
  progress: Progress;
  opts: TrainRunOptions;
  /** Releases the run folder's lock (taken before anything is written there). */
  release: () => void;
}

/** The folder of one fold's files: the run folder itself for a single-fold run, fold-<i>/ with --fold all. */
export function foldDir(runDir: string, fold: number, folds: readonly number[]): string {
  return folds.length > 1 ? path.join(runDir, `fold-${fold}`) : runDir;
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

/** Lets pending signal handlers (Ctrl-C) run: a training step is synchronous, and batches already prefetched resolve without a turn of the event loop. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

/**
 * Trains one run (one fold or all folds) into a run folder and returns its
 * results. The suite runner calls this directly; `dresnet train` is a thin
 * wrapper. With opts.runDir naming an existing run folder, that run is
 * resumed instead (see resumeRun), so the call can be repeated after a crash.
 */
export async function trainRun(config: RunConfig, opts: TrainRunOptions = {}): Promise<RunResult> {
  const existing = opts.resume ?? (opts.runDir && isRunFolder(opts.runDir) ? opts.runDir : undefined);
  if (existing) return resumeRun(existing, opts);
  return keepingProcessAlive(async () => runFolds(await freshContext(config, opts)));
}

/**
 * Continues the run in `runDir` with its own config.yaml and split manifest:
 * finished folds are reused, an unfinished one continues from its last/
 * checkpoint (same lr step, optimiser state and data order), the rest start.
 */
export async function resumeRun(runDir: string, opts: TrainRunOptions = {}): Promise<RunResult> {
  return keepingProcessAlive(async () => runFolds(await resumeContext(runDir, opts)));
}

/**
 * Holds the event loop open while `fn` runs. The data layer's batch workers
 * are unref'd while idle, so awaiting their termination (when a batch stream
 * is left early, as on an interruption) can otherwise leave Node with nothing
 * to wait on, and it exits with the run half done.
 */
export async function keepingProcessAlive<T>(fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1 << 30);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'config.yaml')) && fs.existsSync(path.join(dir, 'split.json'));
}

async function runFolds(ctx: RunContext): Promise<RunResult> {
  try {
    const results: FoldResult[] = [];
    for (const fold of ctx.folds) {
      const result = await trainFold(ctx, fold);
      results.push(result);
      if (result.status === 'interrupted') break;
    }
    const status = results.length === ctx.folds.length && results.every((r) => r.status === 'completed') ? 'completed' : 'interrupted';
    const run: RunResult = { runDir: ctx.runDir, status, folds: results, summary: summarize(results) };
    writeRunReport(ctx, run);
    return run;
  } finally {
    ctx.release();
  }
}

async function freshContext(config: RunConfig, opts: TrainRunOptions): Promise<RunContext> {
  const resolved: RunConfig = { ...config, train: { ...config.train, fold: opts.fold ?? config.train.fold } };
  // Everything the config alone decides is checked before the data loads and before a run folder exists.
  checkRunConfig(resolved, 'config');
  const progress = createProgress(opts.progress ?? 'lines');
  const backend = await selectBackend(resolved.runtime);
  const data = await loadDataset(resolved.data, { seed: resolved.seed, log: progress.log });
  checkTrainable(classCounts(data), data.classes, resolved.data.split, data.root);
  const splits = makeSplits(data, resolved.data.split, resolved.seed);
  const folds = foldPlan(resolved.train.fold, splits, 'config');
  const runDir = opts.runDir ? path.resolve(opts.runDir) : newRunDir(resolved);
  const release = takeRunFolder(runDir);
  try {
    atomicWriteFile(path.join(runDir, 'config.yaml'), toYaml(resolved));
    writeSplitManifest(path.join(runDir, 'split.json'), data, splits, resolved.seed, resolved.data.split);
  } catch (err) {
    release();
    throw err;
  }
  progress.log(`run folder: ${runDir}`);
  return { config: resolved, runDir, data, splits, folds, backend, progress, opts, release };
}

async function resumeContext(runDir: string, opts: TrainRunOptions): Promise<RunContext> {
  const dir = path.resolve(runDir);
  const configFile = path.join(dir, 'config.yaml');
  if (!isRunFolder(dir)) throw new UserError(`--resume ${runDir}: no config.yaml and split.json there (not a dresnet run folder)`);
  const config = loadRunConfig(configFile);
  checkRunConfig(config, configFile);
  const release = takeRunFolder(dir);
  try {
    const progress = createProgress(opts.progress ?? 'lines');
    const backend = await selectBackend(config.runtime);
    const { dataset, folds: splits } = readSplitManifest(path.join(dir, 'split.json'));
    const data = await loadImages(dataset, config.data, { log: progress.log });
    if (data.samples.length !== dataset.samples.length) {
      throw new UserError(`--resume ${runDir}: ${dataset.samples.length - data.samples.length} images of its split manifest can no longer be read`);
    }
    const folds = foldPlan(config.train.fold, splits, configFile);
    progress.log(`resuming ${dir}`);
    return { config, runDir: dir, data, splits, folds, backend, progress, opts, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** What the run's config builds, as a checkpoint records it (see checkCheckpointFits). */
export function checkpointModel(config: RunConfig, classes: readonly string[]): CheckpointModel {
  return { name: config.model.name, width: config.model.width, numClasses: classes.length, inputSize: config.data.inputSize, classes: [...classes] };
}

/**
 * Loads last/ to continue a fold, after checking it against the config. A
 * damaged last/ is named, with best/ offered when that one is intact.
 */
async function loadLastCheckpoint(lastDir: string, foldPath: string, expected: CheckpointModel, model: LayersModel, optimizer: ScheduledOptimizer): Promise<TrainState> {
  try {
    const state = readState(lastDir);
    checkCheckpointFits(lastDir, state, expected);
    loadModelWeights(lastDir, model);
    await loadOptimizerState(lastDir, optimizer.optimizer);
    return state;
  } catch (err) {
    const best = findCheckpoint(path.join(foldPath, 'best'));
    if (!(err instanceof UserError) || !best || best === lastDir) throw err;
    throw new UserError(`${err.message}; ${best} (epoch ${readState(best).epoch}) looks intact: copy it over ${lastDir} to continue from there`);
  }
}

/** Salt of the training steps' Math.random seeds (dropout masks): (seed, STEP_RANDOM, fold, step). */
const STEP_RANDOM = 0x5e9d;

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

function freshState(config: RunConfig, normalization: Normalization, model: CheckpointModel): TrainState {
  return {
    model,
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    bestTop1: -1,
    bestEpoch: -1,
    seed: config.seed,
    normalization: { mean: [...normalization.mean], std: [...normalization.std] },
  };
}

function toNormalization(n: TrainState['normalization']): Normalization {
  return { mean: [n.mean[0], n.mean[1], n.mean[2]], std: [n.std[0], n.std[1], n.std[2]] };
}

async function trainFold(ctx: RunContext, fold: number): Promise<FoldResult> {
  const dir = foldDir(ctx.runDir, fold, ctx.folds);
  const resultFile = path.join(dir, 'result.json');
  if (fs.existsSync(resultFile)) return readJson<FoldResult>(resultFile);

  const { config, data, progress } = ctx;
  const { train: trainIdx, val: valIdx } = ctx.splits[fold];
  const classes = data.classes;
  removeStaleTemps(dir);
  for (const which of ['last', 'best']) removeStaleCheckpointTemps(path.join(dir, which));
  const expected = checkpointModel(config, classes);
  const lossFn = makeLoss(config.train.loss, classes.length);
  const model = await foldModel(config, classes.length, fold, dir);
  const scheduled = makeOptimizer(config.train.optimizer, decayedVariables(model.trainableWeights.map((w) => w.read() as tf.Variable)));
  try {
    const lastDir = findCheckpoint(path.join(dir, 'last'));
    let state: TrainState;
    let rows: CsvRow[] = [];
    if (lastDir) {
      state = await loadLastCheckpoint(lastDir, dir, expected, model, scheduled);
      rows = readMetricRows(path.join(dir, 'metrics.csv'), state.epoch);
      progress.log(`fold ${fold}: resuming at epoch ${state.epoch + 1}${state.batchInEpoch ? `, batch ${state.batchInEpoch + 1}` : ''}`);
    } else {
      state = freshState(config, computeNormalization(data.images, trainIdx), expected);
    }
    const loop = new FoldLoop(ctx, fold, dir, model, scheduled, lossFn, trainIdx, valIdx, state, rows);
    return await loop.run();
  } finally {
    scheduled.dispose();
    model.dispose();
  }
}

/** metrics.csv rows of the epochs a checkpoint has (later rows belong to work the checkpoint lost). */
function readMetricRows(file: string, epochsDone: number): CsvRow[] {
  if (!fs.existsSync(file)) return [];
  return readCsv(file).filter((r) => Number(r.epoch) <= epochsDone);
}

class FoldLoop {
  private readonly dropLast: boolean;
  readonly stepsPerEpoch: number;
  private readonly normalization: Normalization;

  constructor(
    private readonly ctx: RunContext,
    private readonly fold: number,
    private readonly dir: string,
    private readonly model: LayersModel,
    private readonly optimizer: ScheduledOptimizer,
    private readonly lossFn: LossFn,
    private readonly trainIdx: readonly number[],
    private readonly valIdx: readonly number[],
    private state: TrainState,
    private readonly rows: CsvRow[],
  ) {
    const { batchSize } = ctx.config.train;
    // A last batch of one image breaks batch statistics; full batches only, unless the split is smaller than one batch.
    this.dropLast = trainIdx.length >= batchSize;
    this.stepsPerEpoch = this.dropLast ? Math.floor(trainIdx.length / batchSize) : 1;
    this.normalization = toNormalization(state.normalization);
  }

  private batches(indices: readonly number[], train: boolean, epoch: number): AsyncGenerator<Batch> {
    const { config } = this.ctx;
    return createBatchStream(this.ctx.data, indices, {
      batchSize: config.train.batchSize,
      train,
      seed: config.seed,
      epoch,
      normalization: this.normalization,
      augment: config.data.augment,
      dropLast: train && this.dropLast,
    });
  }

  async run(): Promise<FoldResult> {
    const { config, progress } = this.ctx;
    const epochs = config.train.epochs;
    while (this.state.epoch < epochs) {
      const finished = await this.trainEpoch();
      if (!finished) return this.interrupted();
      const val = await evaluateModel(this.model, this.batches(this.valIdx, false, 0), this.lossFn, this.ctx.data);
      this.finishEpoch(val);
      await this.saveCheckpoints(val);
      const epochsDone = this.state.epoch;
      if (this.ctx.opts.stopAfterEpoch !== undefined && epochsDone >= this.ctx.opts.stopAfterEpoch && epochsDone < epochs) {
        progress.log(`fold ${this.fold}: stopping after epoch ${epochsDone} as asked`);
        return this.interrupted();
      }
    }
    return this.complete();
  }

  /** Runs the rest of the current epoch; false when interrupted (after saving last/). */
  private async trainEpoch(): Promise<boolean> {
    const { config, progress, opts } = this.ctx;
    const s = this.state;
    const epochLabel = `fold ${this.fold} epoch ${s.epoch + 1}/${config.train.epochs}`;
    const bar = progress.epoch(epochLabel, this.stepsPerEpoch, s.batchInEpoch);
    let index = 0;
    let clock = process.hrtime.bigint();
    const stream = this.batches(this.trainIdx, true, s.epoch);
    for await (const batch of stream) {
      // Resuming mid-epoch: the stream is a pure function of (seed, epoch), so skipping its first batches replays the order.
      if (index++ < s.batchInEpoch) {
        tf.dispose([batch.x, batch.y]);
        clock = process.hrtime.bigint();
        continue;
      }
      await yieldToEvents();
      if (opts.interrupt?.stop) {
        tf.dispose([batch.x, batch.y]);
        bar.end(`${epochLabel}: interrupted at batch ${s.batchInEpoch + 1}/${this.stepsPerEpoch}`);
        await this.saveLast();
        return false;
      }
      const lr = learningRateAt(s.step, this.stepsPerEpoch, config.train.epochs, config.train.optimizer.lr, config.train.schedule);
      this.optimizer.setLearningRate(lr);
      let result;
      try {
        result = trainStep(this.model, this.optimizer, this.lossFn, batch, [config.seed, STEP_RANDOM, this.fold, s.step]);
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      if (!Number.isFinite(result.loss)) {
        bar.end(`${epochLabel}: training loss is ${result.loss}`);
        throw new TrainingDiverged(
          `training loss became ${result.loss} at fold ${this.fold}, epoch ${s.epoch + 1}, step ${s.step + 1} (lr ${lr}); ` +
            `stopped; the last good checkpoint is ${path.join(this.dir, 'last')} (epoch ${s.epoch}); try a lower train.optimizer.lr`,
        );
      }
      const now = process.hrtime.bigint();
      s.partial.seconds += Number(now - clock) / 1e9;
      clock = now;
      s.partial.lossSum += result.loss * result.size;
      s.partial.correct += result.correct;
      s.partial.seen += result.size;
      s.step++;
      s.batchInEpoch++;
      bar.step(s.batchInEpoch, {
        loss: s.partial.lossSum / s.partial.seen,
        acc: s.partial.correct / s.partial.seen,
        imgPerSec: s.partial.seen / Math.max(1e-9, s.partial.seconds),
      });
    }
    bar.end(this.epochSummary(epochLabel));
    return true;
  }

  private epochSummary(label: string): string {
    const p = this.state.partial;
    return `${label}: loss ${(p.lossSum / p.seen).toFixed(4)} acc ${(p.correct / p.seen).toFixed(4)} ` +
      `${(p.seen / Math.max(1e-9, p.seconds)).toFixed(1)} img/s`;
  }

  private finishEpoch(val: Evaluation): void {
    const s = this.state;
    const { config, progress } = this.ctx;
    const lastLr = learningRateAt(Math.max(0, s.step - 1), this.stepsPerEpoch, config.train.epochs, config.train.optimizer.lr, config.train.schedule);
    this.rows.push({
      epoch: s.epoch + 1,
      step: s.step,
      lr: lastLr,
      train_loss: s.partial.lossSum / s.partial.seen,
      train_top1: s.partial.correct / s.partial.seen,
      val_loss: val.loss,
      val_top1: val.metrics.top1,
      val_top5: val.metrics.top5,
      img_per_s: s.partial.seen / Math.max(1e-9, s.partial.seconds),
      seconds: s.partial.seconds,
    });
    writeCsv(path.join(this.dir, 'metrics.csv'), METRIC_COLUMNS, this.rows);
    this.writeValidationTables(val);
    this.ctx.opts.onEpoch?.({
      fold: this.fold, epoch: s.epoch + 1, epochs: config.train.epochs, trainLoss: s.partial.lossSum / s.partial.seen, valLoss: val.loss, valTop1: val.metrics.top1,
    });
    progress.log(`fold ${this.fold} epoch ${s.epoch + 1}: val loss ${val.loss.toFixed(4)} top-1 ${val.metrics.top1.toFixed(4)}` +
      (val.metrics.top5 !== undefined ? ` top-5 ${val.metrics.top5.toFixed(4)}` : '') +
      (val.metrics.clinical ? ` sens ${val.metrics.clinical.sensitivity.toFixed(3)} spec ${val.metrics.clinical.specificity.toFixed(3)} AUC ${val.metrics.clinical.auc.toFixed(3)}` : ''));
    s.epoch++;
    s.batchInEpoch = 0;
    s.partial = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  }

  private writeValidationTables(val: Evaluation): void {
    writeCsv(path.join(this.dir, 'confusion.csv'), ['true', ...this.ctx.data.classes], confusionCsv(val.metrics, this.ctx.data.classes));
    writeCsv(path.join(this.dir, 'per_class.csv'), PER_CLASS_COLUMNS, perClassRows(val.metrics));
    writeJson(path.join(this.dir, 'val_metrics.json'), { epoch: this.state.epoch + 1, loss: val.loss, ...val.metrics });
    this.lastVal = { ...val.metrics, loss: val.loss };
  }

  private lastVal?: EvalMetrics & { loss: number };

  private async saveCheckpoints(val: Evaluation): Promise<void> {
    const s = this.state;
    if (val.metrics.top1 > s.bestTop1) {
      s.bestTop1 = val.metrics.top1;
      s.bestEpoch = s.epoch;
      await saveCheckpoint(path.join(this.dir, 'best'), this.model, this.optimizer.optimizer, s);
    }
    await this.saveLast();
  }

  private saveLast(): Promise<void> {
    return saveCheckpoint(path.join(this.dir, 'last'), this.model, this.optimizer.optimizer, this.state);
  }

  private summaryTiming(): { trainImgPerSec: number; trainSeconds: number } {
    const seconds = this.rows.reduce((a, r) => a + Number(r.seconds), 0);
    const images = this.rows.reduce((a, r) => a + Number(r.img_per_s) * Number(r.seconds), 0);
    return { trainImgPerSec: seconds > 0 ? images / seconds : 0, trainSeconds: seconds };
  }

  private interrupted(): FoldResult {
    return {
      fold: this.fold,
      status: 'interrupted',
      epochsDone: this.state.epoch,
      bestEpoch: this.state.bestEpoch,
      bestTop1: this.state.bestTop1,
      ...this.summaryTiming(),
    };
  }

  private complete(): FoldResult {
    const final = this.lastVal ?? readJson<EvalMetrics & { loss: number }>(path.join(this.dir, 'val_metrics.json'));
    const result: FoldResult = {
      fold: this.fold,
      status: 'completed',
      epochsDone: this.state.epoch,
      final,
      bestEpoch: this.state.bestEpoch,
      bestTop1: this.state.bestTop1,
      ...this.summaryTiming(),
    };
    writeJson(path.join(this.dir, 'result.json'), result);
    return result;
  }
}

/** The per-fold figures that folds.csv and the summary carry. */
export function foldSummaryRow(r: FoldResult): Record<string, number | undefined> {
  const f = r.final;
  return {
    val_top1: f?.top1,
    val_top5: f?.top5,
    val_loss: f?.loss,
    macro_f1: f?.macroF1,
    sensitivity: f?.clinical?.sensitivity,
    specificity: f?.clinical?.specificity,
    auc: f?.clinical?.auc,
    best_top1: r.bestTop1,
    best_epoch: r.bestEpoch,
    train_img_per_s: r.trainImgPerSec,
  };
}

function summarize(results: readonly FoldResult[]): Record<string, { mean: number; std: number }> {
  const done = results.filter((r) => r.status === 'completed').map(foldSummaryRow);
  if (done.length === 0) return {};
  const out: Record<string, { mean: number; std: number }> = {};
  for (const key of Object.keys(done[0])) {
    const values = done.map((d) => d[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === done.length) {
      const { mean, std } = meanStd(values)!; // every value is finite and there is one at least
      out[key] = { mean, std };
    }
  }
  return out;
}

function writeRunReport(ctx: RunContext, run: RunResult): void {
  const rows: CsvRow[] = run.folds.map((r) => ({ fold: r.fold, status: r.status, epochs: r.epochsDone, ...foldSummaryRow(r) }));
  const columns = ['fold', 'status', 'epochs', ...Object.keys(foldSummaryRow(run.folds[0] ?? emptyFold()))];
  if (ctx.folds.length > 1) {
    const stat = (which: 'mean' | 'std'): CsvRow =>
      ({ fold: which, ...Object.fromEntries(Object.entries(run.summary).map(([k, v]) => [k, v[which]])) });
    writeCsv(path.join(ctx.runDir, 'folds.csv'), columns, [...rows, stat('mean'), stat('std')]);
  }
  writeJson(path.join(ctx.runDir, 'report.json'), {
    name: ctx.config.name,
    status: run.status,
    model: ctx.config.model.name,
    task: ctx.config.data.task,
    classes: ctx.data.classes,
    inputSize: ctx.config.data.inputSize,
    epochs: ctx.config.train.epochs,
    seed: ctx.config.seed,
    backend: ctx.backend.name,
    device: ctx.backend.device,
    threads: ctx.backend.threads,
    engine: describeBackend(),
    folds: run.folds,
    summary: run.summary,
    ...provenance(),
    finishedAt: new Date().toISOString(),
  });
}

function emptyFold(): FoldResult {
  return { fold: 0, status: 'interrupted', epochsDone: 0, bestEpoch: -1, bestTop1: -1, trainImgPerSec: 0, trainSeconds: 0 };
}
