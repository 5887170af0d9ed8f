import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeBackend } from '../backend';
import { readCsv, writeCsv, CsvRow } from '../util/csv';
import { readJson, writeJson } from '../util/json';
import { provenance } from '../report/run-report';
import { meanStd } from '../stats/mean-std';
import type { TrainState } from './checkpoint';
import type { EvalMetrics } from './metrics';
import type { Evaluation } from './step';
import { confusionCsv, perClassRows, PER_CLASS_COLUMNS } from './tables';
import type { FinalMetrics, FoldResult, RunContext, RunResult } from './run-types';

/** Columns of metrics.csv. Timing is kept in its own columns so runs can be compared on the rest. */
export const METRIC_COLUMNS = [
  'epoch', 'step', 'lr', 'train_loss', 'train_top1', 'val_loss', 'val_top1', 'val_top5',
  'img_per_s', 'seconds',
] as const;
export const TIMING_COLUMNS: readonly string[] = ['img_per_s', 'seconds'];

/** metrics.csv rows of the epochs a checkpoint has (later rows belong to work the checkpoint lost). */
export function readMetricRows(file: string, epochsDone: number): CsvRow[] {
  if (!fs.existsSync(file)) return [];
  return readCsv(file).filter((r) => Number(r.epoch) <= epochsDone);
}

/** metrics.csv's row of an epoch: `epoch` 1-based, `step` the steps done after it, `lr` its last step's rate. */
export function metricRow(epoch: number, step: number, lr: number, partial: TrainState['partial'], val: Evaluation): CsvRow {
  return {
    epoch,
    step,
    lr,
    train_loss: partial.lossSum / partial.seen,
    train_top1: partial.correct / partial.seen,
    val_loss: val.loss,
    val_top1: val.metrics.top1,
    val_top5: val.metrics.top5,
    img_per_s: partial.seen / Math.max(1e-9, partial.seconds),
    seconds: partial.seconds,
  };
}

/** After an epoch: metrics.csv with its rows so far, and the validation tables of the epoch (`epoch` 1-based). */
export function writeEpochOutputs(dir: string, rows: readonly CsvRow[], epoch: number, val: Evaluation, classes: readonly string[]): void {
  writeCsv(path.join(dir, 'metrics.csv'), METRIC_COLUMNS, rows);
  writeCsv(path.join(dir, 'confusion.csv'), ['true', ...classes], confusionCsv(val.metrics, classes));
  writeCsv(path.join(dir, 'per_class.csv'), PER_CLASS_COLUMNS, perClassRows(val.metrics));
  writeJson(path.join(dir, 'val_metrics.json'), { epoch, loss: val.loss, ...val.metrics });
}

/** The validation figures of the fold's last finished epoch, as writeEpochOutputs left them. */
export function readFinalMetrics(dir: string): FinalMetrics {
  return readJson<FinalMetrics>(path.join(dir, 'val_metrics.json'));
}

/** Training throughput and time over the epochs in metrics.csv's rows. */
export function foldTiming(rows: readonly CsvRow[]): { trainImgPerSec: number; trainSeconds: number } {
  const seconds = rows.reduce((a, r) => a + Number(r.seconds), 0);
  const images = rows.reduce((a, r) => a + Number(r.img_per_s) * Number(r.seconds), 0);
  return { trainImgPerSec: seconds > 0 ? images / seconds : 0, trainSeconds: seconds };
}

const RESULT_FILE = 'result.json';

/** A completed fold's result, which later runs of the same folder reuse instead of training it again. */
export function writeFoldResult(dir: string, result: FoldResult): void {
  writeJson(path.join(dir, RESULT_FILE), result);
}

export function readFoldResult(dir: string): FoldResult | undefined {
  const file = path.join(dir, RESULT_FILE);
  return fs.existsSync(file) ? readJson<FoldResult>(file) : undefined;
}

/** The figures of one evaluation that the CSVs carry, by their column names (before any prefix). */
export type FigureName = 'top1' | 'top5' | 'loss' | 'n' | 'macro_f1' | 'sensitivity' | 'specificity' | 'auc';

/**
 * The named figures of one evaluation, in the order asked: the one place an
 * evaluation's figures get their column names, for folds.csv here and the
 * suites' runs.csv; each file picks the figures it has always had.
 */
export function evalFigures(m: (EvalMetrics & { loss?: number }) | undefined, names: readonly FigureName[]): Record<string, number | undefined> {
  const all: Record<FigureName, number | undefined> = {
    top1: m?.top1,
    top5: m?.top5,
    loss: m?.loss,
    n: m?.n,
    macro_f1: m?.macroF1,
    sensitivity: m?.clinical?.sensitivity,
    specificity: m?.clinical?.specificity,
    auc: m?.clinical?.auc,
  };
  return Object.fromEntries(names.map((k) => [k, all[k]]));
}

/** folds.csv's figures of an evaluation: it has never had the split's size. */
const FOLD_FIGURES: readonly FigureName[] = ['top1', 'top5', 'loss', 'macro_f1', 'sensitivity', 'specificity', 'auc'];

/** Validation's top-1, top-5 and loss carry a val_ prefix; its other figures have always been unprefixed. */
const VAL_PREFIXED = new Set(['top1', 'top5', 'loss']);

export function prefixed(figures: Record<string, number | undefined>, prefix: (key: string) => string): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [prefix(k), v]));
}

/** The per-fold figures that folds.csv and the summary carry; test_ ones when the run holds out a test split. */
export function foldSummaryRow(r: FoldResult): Record<string, number | undefined> {
  return {
    ...prefixed(evalFigures(r.final, FOLD_FIGURES), (k) => (VAL_PREFIXED.has(k) ? `val_${k}` : k)),
    best_top1: r.bestTop1,
    best_epoch: r.bestEpoch,
    train_img_per_s: r.trainImgPerSec,
    ...(r.test ? prefixed(evalFigures(r.test, FOLD_FIGURES), (k) => `test_${k}`) : {}),
  };
}

/** Mean and std over the completed folds of each figure of foldSummaryRow that every one of them has. */
export function summarize(results: readonly FoldResult[]): Record<string, { mean: number; std: number }> {
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

/** report.json, and folds.csv (each fold, then mean and std) when the run has more than one fold. */
export function writeRunReport(ctx: RunContext, run: RunResult): void {
  const rows: CsvRow[] = run.folds.map((r) => ({ fold: r.fold, status: r.status, epochs: r.epochsDone, ...foldSummaryRow(r) }));
  // Every fold's figures: an interrupted fold has no test ones.
  const figures = new Set((run.folds.length > 0 ? run.folds : [emptyFold()]).flatMap((r) => Object.keys(foldSummaryRow(r))));
  const columns = ['fold', 'status', 'epochs', ...figures];
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
    ...(ctx.test.length > 0 ? { testImages: ctx.test.length } : {}),
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
