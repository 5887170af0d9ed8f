import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { CsvRow } from '../util/csv';
import { createBatchStream } from '../data';
import type { Normalization } from '../data/types';
import { saveCheckpoint, TrainState } from './checkpoint';
import type { LossFn } from './losses';
import type { ScheduledOptimizer } from './optimizer';
import { formatDuration } from './progress';
import { Batch, evaluateModel, Evaluation, InferenceLogits, TrainStep } from './step';
import { foldTiming, metricRow, readFinalMetrics, writeEpochOutputs, writeFoldResult } from './run-outputs';
import type { FinalMetrics, FoldResult, RunContext } from './run-types';

/** Salt of the training steps' Math.random seeds (dropout masks): (seed, STEP_RANDOM, fold, step). */
const STEP_RANDOM = 0x5e9d;

class TrainingDiverged extends UserError {}

/** How a fold's training split is cut into batches. */
export interface EpochPlan {
  /** Whether the last, partial batch is left out. */
  dropLast: boolean;
  stepsPerEpoch: number;
}

export function epochPlan(trainImages: number, batchSize: number): EpochPlan {
  // A last batch of one image breaks batch statistics; full batches only, unless the split is smaller than one batch.
  const dropLast = trainImages >= batchSize;
  return { dropLast, stepsPerEpoch: dropLast ? Math.floor(trainImages / batchSize) : 1 };
}

/** Lets pending signal handlers (Ctrl-C) run: a training step is synchronous, and batches already prefetched resolve without a turn of the event loop. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function toNormalization(n: TrainState['normalization']): Normalization {
  return { mean: [n.mean[0], n.mean[1], n.mean[2]], std: [n.std[0], n.std[1], n.std[2]] };
}

/** What one fold trains: its model and optimiser, loss, split and the state it starts from. */
export interface FoldSetup {
  fold: number;
  /** The fold's folder. */
  dir: string;
  model: LayersModel;
  optimizer: ScheduledOptimizer;
  lossFn: LossFn;
  trainIdx: readonly number[];
  valIdx: readonly number[];
  plan: EpochPlan;
  state: TrainState;
  /** metrics.csv rows of the epochs `state` has done. */
  rows: CsvRow[];
}

/** A fold's epochs: train, validate, write the epoch's outputs, save checkpoints; stops cleanly on an interruption. */
export class FoldLoop {
  private readonly normalization: Normalization;
  private state: TrainState;
  private lastVal?: FinalMetrics;
  /** Wall-clock seconds of each epoch this process ran (training and validation), for the ETA. */
  private readonly epochSeconds: number[] = [];
  private readonly inference: InferenceLogits;
  private readonly step: TrainStep;

  constructor(private readonly ctx: RunContext, private readonly setup: FoldSetup) {
    this.state = setup.state;
    this.normalization = toNormalization(setup.state.normalization);
    const { compile } = ctx.config.runtime;
    this.inference = new InferenceLogits(setup.model, compile);
    this.step = new TrainStep(setup.model, setup.optimizer, setup.lossFn, compile);
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
      dropLast: train && this.setup.plan.dropLast,
    });
  }

  async run(): Promise<FoldResult> {
    try {
      return await this.epochs();
    } finally {
      this.inference.dispose();
      this.step.dispose();
    }
  }

  private async epochs(): Promise<FoldResult> {
    const { config, progress } = this.ctx;
    const epochs = config.train.epochs;
    while (this.state.epoch < epochs) {
      const started = process.hrtime.bigint();
      const finished = await this.trainEpoch();
      if (!finished) return this.interrupted();
      const val = await evaluateModel(this.inference, this.batches(this.setup.valIdx, false, 0), this.setup.lossFn, this.ctx.data);
      if (this.epochSeconds.length === 0) this.logEagerSteps();
      this.epochSeconds.push(Number(process.hrtime.bigint() - started) / 1e9);
      this.finishEpoch(val);
      await this.saveCheckpoints(val);
      const epochsDone = this.state.epoch;
      if (this.ctx.opts.stopAfterEpoch !== undefined && epochsDone >= this.ctx.opts.stopAfterEpoch && epochsDone < epochs) {
        progress.log(`fold ${this.setup.fold}: stopping after epoch ${epochsDone} as asked`);
        return this.interrupted();
      }
    }
    return this.complete();
  }

  /** After this process's first epoch: says once why training steps could not be replayed from a plan (runtime.compile). */
  private logEagerSteps(): void {
    for (const reason of this.step.eagerReasons()) {
      this.ctx.progress.log(`fold ${this.setup.fold}: training steps run eagerly, not from a recorded plan: ${reason}`);
    }
  }

  /** Runs the rest of the current epoch; false when interrupted (after saving last/). */
  private async trainEpoch(): Promise<boolean> {
    const { config, progress, opts } = this.ctx;
    const { stepsPerEpoch } = this.setup.plan;
    const s = this.state;
    const epochLabel = `fold ${this.setup.fold} epoch ${s.epoch + 1}/${config.train.epochs}`;
    const bar = progress.epoch(epochLabel, stepsPerEpoch, s.batchInEpoch);
    let index = 0;
    let clock = process.hrtime.bigint();
    const stream = this.batches(this.setup.trainIdx, true, s.epoch);
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
        bar.end(`${epochLabel}: interrupted at batch ${s.batchInEpoch + 1}/${stepsPerEpoch}`);
        await this.saveLast();
        return false;
      }
      let result;
      try {
        result = this.step.run(batch, [config.seed, STEP_RANDOM, this.setup.fold, s.step]);
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      if (!Number.isFinite(result.loss)) {
        bar.end(`${epochLabel}: training loss is ${result.loss}`);
        throw new TrainingDiverged(
          `training loss became ${result.loss} at fold ${this.setup.fold}, epoch ${s.epoch + 1}, step ${s.step + 1} (lr ${this.setup.optimizer.nextLearningRate}); ` +
            `stopped; the last good checkpoint is ${path.join(this.setup.dir, 'last')} (epoch ${s.epoch}); try a lower train.optimizer.lr`,
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
    const { config, progress, data } = this.ctx;
    this.setup.rows.push(metricRow(s.epoch + 1, s.step, this.setup.optimizer.lastLearningRate, s.partial, val));
    writeEpochOutputs(this.setup.dir, this.setup.rows, s.epoch + 1, val, data.classes);
    this.lastVal = { ...val.metrics, loss: val.loss };
    this.ctx.opts.onEpoch?.({
      fold: this.setup.fold, epoch: s.epoch + 1, epochs: config.train.epochs, trainLoss: s.partial.lossSum / s.partial.seen, valLoss: val.loss, valTop1: val.metrics.top1,
    });
    progress.log(`fold ${this.setup.fold} epoch ${s.epoch + 1}: val loss ${val.loss.toFixed(4)} top-1 ${val.metrics.top1.toFixed(4)}` +
      (val.metrics.top5 !== undefined ? ` top-5 ${val.metrics.top5.toFixed(4)}` : '') +
      (val.metrics.clinical ? ` sens ${val.metrics.clinical.sensitivity.toFixed(3)} spec ${val.metrics.clinical.specificity.toFixed(3)} AUC ${val.metrics.clinical.auc.toFixed(3)}` : '') +
      `; ${this.timing(config.train.epochs - (s.epoch + 1))}`);
    s.epoch++;
    s.batchInEpoch = 0;
    s.partial = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  }

  /** The last epoch's duration and the fold's ETA at the mean epoch time so far, with `remaining` epochs to go. */
  private timing(remaining: number): string {
    const times = this.epochSeconds;
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    return `epoch ${formatDuration(times[times.length - 1])}, fold ETA ${formatDuration(mean * remaining)}`;
  }

  private async saveCheckpoints(val: Evaluation): Promise<void> {
    const s = this.state;
    if (val.metrics.top1 > s.bestTop1) {
      s.bestTop1 = val.metrics.top1;
      s.bestEpoch = s.epoch;
      await saveCheckpoint(path.join(this.setup.dir, 'best'), this.setup.model, this.setup.optimizer.optimizer, s);
    }
    await this.saveLast();
  }

  private saveLast(): Promise<void> {
    return saveCheckpoint(path.join(this.setup.dir, 'last'), this.setup.model, this.setup.optimizer.optimizer, this.state);
  }

  /**
   * The held-out test split's figures for the model as last/ holds it (the
   * loop ends right after saving it), by the metrics validation uses; none
   * without a test split.
   */
  private async testMetrics(): Promise<FinalMetrics | undefined> {
    if (this.ctx.test.length === 0) return undefined;
    const test = await evaluateModel(this.inference, this.batches(this.ctx.test, false, 0), this.setup.lossFn, this.ctx.data);
    this.ctx.progress.log(`fold ${this.setup.fold}: test top-1 ${test.metrics.top1.toFixed(4)} macro-F1 ${test.metrics.macroF1.toFixed(4)} on ${this.ctx.test.length} held-out images`);
    return { ...test.metrics, loss: test.loss };
  }

  private interrupted(): FoldResult {
    return {
      fold: this.setup.fold,
      status: 'interrupted',
      epochsDone: this.state.epoch,
      bestEpoch: this.state.bestEpoch,
      bestTop1: this.state.bestTop1,
      ...foldTiming(this.setup.rows),
    };
  }

  private async complete(): Promise<FoldResult> {
    const test = await this.testMetrics();
    const result: FoldResult = {
      fold: this.setup.fold,
      status: 'completed',
      epochsDone: this.state.epoch,
      final: this.lastVal ?? readFinalMetrics(this.setup.dir),
      ...(test ? { test } : {}),
      bestEpoch: this.state.bestEpoch,
      bestTop1: this.state.bestTop1,
      ...foldTiming(this.setup.rows),
    };
    writeFoldResult(this.setup.dir, result);
    return result;
  }
}
