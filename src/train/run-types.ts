import type { RunConfig, TrainConfig } from '../config/run-config';
import type { LoadedDataset } from '../data/images';
import type { Fold } from '../data/types';
import type { SelectedBackend } from '../backend';
import type { EvalMetrics } from './metrics';
import type { Progress, ProgressMode } from './progress';

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

/** Validation figures after an epoch, as val_metrics.json and a fold's result hold them. */
export type FinalMetrics = EvalMetrics & { loss: number };

export interface FoldResult {
  fold: number;
  status: 'completed' | 'interrupted';
  epochsDone: number;
  /** Validation metrics after the last epoch (the figures the tables use: picking the best epoch on the validation fold would bias them). */
  final?: FinalMetrics;
  /** The last checkpoint's figures on the held-out test split, when the run has one. */
  test?: FinalMetrics;
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

/** A run being trained: its resolved config, folder, data and split, and where it reports. */
export interface RunContext {
  config: RunConfig;
  runDir: string;
  data: LoadedDataset;
  splits: Fold[];
  /** The held-out test images (data.split.test), in no fold; empty without a test split. */
  test: number[];
  folds: number[];
  backend: SelectedBackend;
  progress: Progress;
  opts: TrainRunOptions;
  /** Releases the run folder's lock (taken before anything is written there). */
  release: () => void;
}
