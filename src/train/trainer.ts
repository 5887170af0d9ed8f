import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/run-config';
import { removeStaleTemps } from '../util/files';
import { CsvRow } from '../util/csv';
import { computeNormalization } from '../data';
import type { Normalization } from '../data/types';
import { CheckpointModel, findCheckpoint, removeStaleCheckpointTemps, TrainState } from './checkpoint';
import { makeLoss } from './losses';
import { decayedVariables, makeOptimizer } from './optimizer';
import { epochPlan, FoldLoop } from './fold-loop';
import { checkpointModel, foldDir, foldModel, freshContext, isRunFolder, loadLastCheckpoint, resumeContext } from './run-folder';
import { readFoldResult, readMetricRows, summarize, writeRunReport } from './run-outputs';
import type { FoldResult, RunContext, RunResult, TrainRunOptions } from './run-types';

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

/** One fold: its result if it finished before, else its model and optimiser (from last/ when there is one) through the epoch loop. */
async function trainFold(ctx: RunContext, fold: number): Promise<FoldResult> {
  const dir = foldDir(ctx.runDir, fold, ctx.folds);
  const done = readFoldResult(dir);
  if (done) return done;

  const { config, data, progress } = ctx;
  const { train: trainIdx, val: valIdx } = ctx.splits[fold];
  const classes = data.classes;
  removeStaleTemps(dir);
  for (const which of ['last', 'best']) removeStaleCheckpointTemps(path.join(dir, which));
  const expected = checkpointModel(config, classes);
  const lossFn = makeLoss(config.train.loss, classes.length);
  const plan = epochPlan(trainIdx.length, config.train.batchSize);
  const model = await foldModel(config, classes.length, fold, dir);
  const optimizer = makeOptimizer(
    config.train.optimizer,
    decayedVariables(model.trainableWeights.map((w) => w.read() as tf.Variable)),
    { config: config.train.schedule, epochs: config.train.epochs, stepsPerEpoch: plan.stepsPerEpoch },
  );
  try {
    const lastDir = findCheckpoint(path.join(dir, 'last'));
    let state: TrainState;
    let rows: CsvRow[] = [];
    if (lastDir) {
      state = await loadLastCheckpoint(lastDir, dir, expected, model, optimizer);
      rows = readMetricRows(path.join(dir, 'metrics.csv'), state.epoch);
      progress.log(`fold ${fold}: resuming at epoch ${state.epoch + 1}${state.batchInEpoch ? `, batch ${state.batchInEpoch + 1}` : ''}`);
    } else {
      state = freshState(config, computeNormalization(data.images, trainIdx), expected);
    }
    const loop = new FoldLoop(ctx, { fold, dir, model, optimizer, lossFn, trainIdx, valIdx, plan, state, rows });
    return await loop.run();
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
