import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig, RunConfig } from '../config/run-config';
import { loadRunConfig } from '../config/load';
import { UserError } from '../util/errors';
import { createBatchStream, loadDataset, loadImages, readSplitManifest } from '../data';
import type { LoadedDataset } from '../data/images';
import { selectBackend } from '../backend';
import { writeCsv } from '../report/csv';
import { provenance, writeJson } from '../report/run-report';
import { findCheckpoint, loadModelWeights, readState } from './checkpoint';
import { makeLoss } from './losses';
import { EvalMetrics, meanStd } from './metrics';
import { createProgress, ProgressMode } from './progress';
import { evaluateModel } from './step';
import { confusionCsv, perClassRows, PER_CLASS_COLUMNS } from './tables';
import { foldDir, foldModel, keepingProcessAlive } from './trainer';

export interface EvaluateRunOptions {
  checkpoint?: 'best' | 'last';
  /** Other data to evaluate on (every image of it); default: each fold's own validation split. */
  data?: DataConfig;
  /** Folds to evaluate; default every fold the run trained. */
  fold?: number | 'all';
  /** Where to write; default <run>/eval-<checkpoint>[-<data>]/. */
  outDir?: string;
  progress?: ProgressMode;
}

export interface FoldEvaluation {
  fold: number;
  checkpoint: string;
  /** The epoch the checkpoint was saved after. */
  epoch: number;
  loss: number;
  metrics: EvalMetrics;
}

export interface RunEvaluation {
  runDir: string;
  outDir: string;
  folds: FoldEvaluation[];
  summary: Record<string, { mean: number; std: number }>;
}

/** The run's fold plan as it trained it (config.yaml's train.fold against its split manifest). */
function runFolds(config: RunConfig, foldCount: number): number[] {
  return config.train.fold === 'all' ? Array.from({ length: foldCount }, (_, i) => i) : [config.train.fold];
}

function sameClasses(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

function dataTag(data: DataConfig): string {
  return `${data.source}${data.path ? `-${path.basename(path.resolve(data.path))}` : ''}-${data.task}`.replace(/[^\w.-]+/g, '_');
}

/**
 * Re-evaluates a run's checkpoints: on each fold's own validation split (from
 * the run's split manifest, so exactly the files it was validated on), or on
 * other data. Writes metrics.json, confusion and per-class CSVs per fold, and
 * a report with the mean ± std over folds.
 */
export function evaluateRun(runDir: string, opts: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  return keepingProcessAlive(() => evaluateFolds(runDir, opts));
}

async function evaluateFolds(runDir: string, opts: EvaluateRunOptions): Promise<RunEvaluation> {
  const dir = path.resolve(runDir);
  const configFile = path.join(dir, 'config.yaml');
  if (!fs.existsSync(configFile)) throw new UserError(`--run ${runDir}: no config.yaml there (not a dresnet run folder)`);
  const config = loadRunConfig(configFile);
  const progress = createProgress(opts.progress ?? 'lines');
  const backend = await selectBackend(config.runtime);
  const { dataset: ownDataset, folds: splits } = readSplitManifest(path.join(dir, 'split.json'));
  const trained = runFolds(config, splits.length);
  const folds = opts.fold === undefined || opts.fold === 'all' ? trained : [opts.fold];
  for (const f of folds) {
    if (!trained.includes(f)) throw new UserError(`--fold ${f}: run ${runDir} trained fold(s) ${trained.join(', ')}`);
  }
  const checkpoint = opts.checkpoint ?? 'best';
  const other = opts.data;
  const data: LoadedDataset = other
    ? await loadDataset(other, { seed: config.seed, log: progress.log })
    : await loadImages(ownDataset, config.data, { log: progress.log });
  if (!sameClasses(data.classes, ownDataset.classes)) {
    throw new UserError(`evaluation data has classes [${data.classes.join(', ')}]; the run was trained on [${ownDataset.classes.join(', ')}]`);
  }
  const outDir = path.resolve(opts.outDir ?? path.join(dir, `eval-${checkpoint}${other ? `-${dataTag(other)}` : ''}`));
  const lossFn = makeLoss(config.train.loss, data.classes.length);
  const results: FoldEvaluation[] = [];
  for (const fold of folds) {
    const ckpt = findCheckpoint(path.join(foldDir(dir, fold, trained), checkpoint));
    if (!ckpt) throw new UserError(`${runDir}: fold ${fold} has no ${checkpoint}/ checkpoint`);
    const state = readState(ckpt);
    const model = await foldModel(config, data.classes.length, fold, foldDir(dir, fold, trained));
    try {
      loadModelWeights(ckpt, model);
      const indices = other ? data.samples.map((_, i) => i) : splits[fold].val;
      const n = state.normalization;
      const batches = createBatchStream(data, indices, {
        batchSize: config.train.batchSize,
        train: false,
        seed: config.seed,
        epoch: 0,
        normalization: { mean: [n.mean[0], n.mean[1], n.mean[2]], std: [n.std[0], n.std[1], n.std[2]] },
        augment: config.data.augment,
      });
      const ev = await evaluateModel(model, batches, lossFn, data.classes);
      results.push({ fold, checkpoint: ckpt, epoch: state.epoch, loss: ev.loss, metrics: ev.metrics });
      writeCsv(path.join(outDir, `fold-${fold}-confusion.csv`), ['true', ...data.classes], confusionCsv(ev.metrics, data.classes));
      writeCsv(path.join(outDir, `fold-${fold}-per_class.csv`), PER_CLASS_COLUMNS, perClassRows(ev.metrics));
      progress.log(`fold ${fold} (${checkpoint}, epoch ${state.epoch}): ${indices.length} images, top-1 ${ev.metrics.top1.toFixed(4)}` +
        (ev.metrics.clinical ? `, AUC ${ev.metrics.clinical.auc.toFixed(4)}` : ''));
    } finally {
      model.dispose();
    }
  }
  const summary = summarizeEvaluations(results);
  writeJson(path.join(outDir, 'report.json'), {
    run: dir,
    checkpoint,
    data: other ?? 'own validation splits',
    backend: backend.name,
    device: backend.device,
    threads: backend.threads,
    folds: results,
    summary,
    ...provenance(),
  });
  return { runDir: dir, outDir, folds: results, summary };
}

function summarizeEvaluations(results: readonly FoldEvaluation[]): Record<string, { mean: number; std: number }> {
  const pick: Record<string, (r: FoldEvaluation) => number | undefined> = {
    top1: (r) => r.metrics.top1,
    top5: (r) => r.metrics.top5,
    loss: (r) => r.loss,
    macro_f1: (r) => r.metrics.macroF1,
    sensitivity: (r) => r.metrics.clinical?.sensitivity,
    specificity: (r) => r.metrics.clinical?.specificity,
    auc: (r) => r.metrics.clinical?.auc,
  };
  const out: Record<string, { mean: number; std: number }> = {};
  for (const [key, get] of Object.entries(pick)) {
    const values = results.map(get).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === results.length && values.length > 0) out[key] = meanStd(values);
  }
  return out;
}
