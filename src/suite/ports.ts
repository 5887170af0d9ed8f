/**
 * The suite runner's ports wired to the real trainer, model zoo and probe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunConfig } from '../config/run-config';
import { createModel, modelOptionsFromConfig, modelStats } from '../models';
import { applyPlanTo, PrunePlan, pruneFoldAs } from '../prune';
import { CsvValue, readCsv } from '../util/csv';
import { readJson } from '../util/json';
import { EvalMetrics } from '../train/metrics';
import { evalFigures, FigureName, prefixed } from '../train/run-outputs';
import { trainRun } from '../train/trainer';
import { FoldResult, TrainRunOptions } from '../train/run-types';
import { measureInChild } from './probe';
import { FoldOutcome, FoldRunInterrupted, ModelStats, PruneTask, SuitePorts, TrainedFold } from './runner';
import { CurvePoint } from './state';

/** The parts of a run folder's report.json the suite reads. */
interface RunReport {
  status: 'completed' | 'interrupted';
  classes: string[];
  backend: string;
  device: string;
  threads: number;
  folds: FoldResult[];
  gitCommit: string | null;
  machine: { cpu: string; cores: number };
}

/** The one run folder a suite fold trains into (its parent is chosen by the runner, one per config hash). */
function runDirOf(config: RunConfig): string {
  return path.resolve(config.runtime.outDir, 'run');
}

/**
 * Trains one suite fold in this process (a pruned run's: prunes its parent's
 * fold-run and fine-tunes it); `train` sets the trainer's options (progress,
 * epoch reports, interruption).
 */
export async function trainSuiteFold(config: RunConfig, train: Omit<TrainRunOptions, 'runDir'> = {}, prune?: PruneTask): Promise<TrainedFold> {
  const runDir = runDirOf(config);
  // When runDir already holds a run (an interrupted fold), the trainer resumes it from its last checkpoint.
  const result = prune === undefined
    ? await trainRun(config, { ...train, runDir })
    : await pruneFoldAs(prune.parentRunDir, config, { ratio: prune.ratio, method: prune.method, checkpoint: prune.checkpoint, runDir, progress: train.progress, interrupt: train.interrupt, onEpoch: train.onEpoch });
  if (result.status !== 'completed') throw new FoldRunInterrupted(`${runDir}: the run was interrupted; run the suite again to resume it`);
  return { runDir: result.runDir, outcome: collectRun(result.runDir) };
}

/** The trainer's final metrics flattened into runs.csv columns (the confusion matrix stays in the run folder). */
export function flattenMetrics(final: EvalMetrics & { loss: number }, fold: FoldResult): Record<string, CsvValue> {
  const { n, macro_f1, ...clinical } = evalFigures(final, VAL_FIGURES);
  const out: Record<string, CsvValue> = { n, macro_f1, best_epoch: fold.bestEpoch, best_top1: fold.bestTop1, ...clinical };
  if (fold.test) Object.assign(out, prefixed(evalFigures(fold.test, TEST_FIGURES), (k) => `test_${k}`));
  for (const c of final.perClass) {
    const key = c.name.replace(/[^A-Za-z0-9]+/g, '_');
    out[`precision_${key}`] = c.precision;
    out[`recall_${key}`] = c.recall;
    out[`f1_${key}`] = c.f1;
  }
  return out;
}

/** runs.csv's figures of the validation split beside its top-1 and top-5 (which have columns of their own). */
const VAL_FIGURES: readonly FigureName[] = ['n', 'macro_f1', 'sensitivity', 'specificity', 'auc'];
/** runs.csv's figures of the held-out test split (data.split.test), as test_ columns; it has never had the test loss. */
const TEST_FIGURES: readonly FigureName[] = ['top1', 'top5', 'n', 'macro_f1', 'sensitivity', 'specificity', 'auc'];

function readCurve(runDir: string): CurvePoint[] {
  const file = path.join(runDir, 'metrics.csv');
  if (!fs.existsSync(file)) return [];
  return readCsv(file).map((r) => ({ epoch: Number(r.epoch), step: Number(r.step), valTop1: Math.round(Number(r.val_top1) * 1e4) / 100 }));
}

export function collectRun(runDir: string): FoldOutcome {
  const report = readJson<RunReport>(path.join(runDir, 'report.json'));
  const fold = report.folds[0];
  if (report.status !== 'completed' || !fold?.final) throw new Error(`${runDir}: the run has no final metrics (status ${report.status})`);
  const final = fold.final;
  return {
    top1: final.top1,
    top5: final.top5,
    valLoss: final.loss,
    numClasses: report.classes.length,
    seconds: fold.trainSeconds,
    imgPerSec: fold.trainImgPerSec,
    backend: report.backend,
    device: report.device,
    threads: report.threads,
    machine: `${report.machine.cpu} (${report.machine.cores} cores)`,
    gitCommit: report.gitCommit ?? undefined,
    metrics: flattenMetrics(final, fold),
    curve: readCurve(runDir),
  };
}

/** Size and MACs of a model (with a pruning plan applied), built on whatever backend is active (building allocates weights, nothing else). */
export async function computeModelStats(model: RunConfig['model'], numClasses: number, inputSize: number, plan?: PrunePlan): Promise<ModelStats> {
  const built = createModel(model.name, modelOptionsFromConfig(model, numClasses, inputSize));
  try {
    const sized = plan === undefined ? built : applyPlanTo(built, plan);
    try {
      const s = modelStats(sized);
      return { params: s.trainableParams, totalParams: s.totalParams, sizeMB: s.mb, sizeMiB: s.mib, macs: s.macs };
    } finally {
      if (sized !== built) sized.dispose();
    }
  } finally {
    built.dispose();
  }
}

export function realPorts(opts: { quiet: boolean; log: (line: string) => void }): SuitePorts {
  return {
    trainFold: (config, task) => trainSuiteFold(config, { progress: opts.quiet ? 'silent' : 'lines' }, task.prune),
    collect: collectRun,
    modelStats: computeModelStats,
    probe: measureInChild,
    log: opts.log,
  };
}
