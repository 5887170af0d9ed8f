import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataConfig, foldsNamed, RunConfig, TrainConfig } from '../config/run-config';
import { loadRunConfig } from '../config/load';
import { UserError } from '../util/errors';
import { insideRoot } from '../util/safe-names';
import { createBatchStream, loadDataset, loadImages, readSplitManifest } from '../data';
import type { LoadedDataset } from '../data/images';
import { selectBackend } from '../backend';
import { writeCsv } from '../util/csv';
import { writeJson } from '../util/json';
import { provenance } from '../report/run-report';
import { checkCheckpointFits, findCheckpoint, loadModelWeights, readState } from './checkpoint';
import { makeLoss } from './losses';
import { argmaxRows, EvalMetrics } from './metrics';
import { meanStd } from '../stats/mean-std';
import { createProgress, ProgressMode } from './progress';
import { Evaluation, evaluateModel, InferenceLogits } from './step';
import { abnormalMask } from '../data/roles';
import { confusionCsv, perClassRows, PER_CLASS_COLUMNS } from './tables';
import { keepingProcessAlive } from './trainer';
import { checkpointModel, foldDir, foldModel } from './run-folder';

export interface EvaluateRunOptions {
  /** Default last: best/ was chosen on the fold's own validation split. */
  checkpoint?: 'best' | 'last';
  /** Other data to evaluate on (every image of it); default: each fold's own validation split. */
  data?: DataConfig;
  /** Folds to evaluate; default every fold the run trained. */
  fold?: TrainConfig['fold'];
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
  /** Set when the figures are optimistic: best/ evaluated on the split it was selected on. */
  warning?: string;
  folds: FoldEvaluation[];
  summary: Record<string, { mean: number; std: number }>;
}

/** The run's fold plan as it trained it (config.yaml's train.fold against its split manifest). */
function runFolds(config: RunConfig, foldCount: number): number[] {
  return foldsNamed(config.train.fold, foldCount);
}

/**
 * Labelled data whose classes are a subset of the run's, relabelled into the
 * run's class indices (the model scores every class it was trained on).
 */
function asRunClasses(data: LoadedDataset, run: Pick<LoadedDataset, 'classes' | 'roles'>): LoadedDataset {
  const index = data.classes.map((c) => run.classes.indexOf(c));
  const unknown = data.classes.filter((_, i) => index[i] < 0);
  if (unknown.length > 0) {
    throw new UserError(`evaluation data has class(es) ${unknown.join(', ')} that the run was not trained on; the run's classes: ${run.classes.join(', ')}`);
  }
  return { ...data, classes: run.classes, roles: run.roles, samples: data.samples.map((s) => ({ ...s, label: index[s.label] })) };
}

/** predictions.csv: one row per image, every class probability and the abnormal probability (where roles are known). */
function predictionRows(data: LoadedDataset, indices: readonly number[], fold: number, ev: Pick<Evaluation, 'probs'>): Record<string, string | number | undefined>[] {
  const k = data.classes.length;
  const abnormal = data.roles && abnormalMask(data.roles);
  const predicted = argmaxRows(ev.probs, k);
  return indices.map((sample, i) => {
    const p = ev.probs.subarray(i * k, (i + 1) * k);
    const row: Record<string, string | number | undefined> = {
      path: data.samples[sample].path, fold, true_class: data.classes[data.samples[sample].label], predicted_class: data.classes[predicted[i]],
    };
    data.classes.forEach((c, j) => { row[`p_${c}`] = p[j]; });
    if (abnormal) row.p_abnormal = abnormal.reduce((sum, isAbn, j) => sum + (isAbn ? p[j] : 0), 0);
    return row;
  });
}

function predictionColumns(data: Pick<LoadedDataset, 'classes' | 'roles'>): string[] {
  return ['path', 'fold', 'true_class', 'predicted_class', ...data.classes.map((c) => `p_${c}`), ...(data.roles ? ['p_abnormal'] : [])];
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
  const folds = opts.fold === undefined || opts.fold === 'all' ? trained : foldsNamed(opts.fold, trained.length);
  for (const f of folds) {
    if (!trained.includes(f)) throw new UserError(`--fold ${f}: run ${runDir} trained fold(s) ${trained.join(', ')}`);
  }
  const checkpoint = opts.checkpoint ?? 'last';
  const other = opts.data;
  const data: LoadedDataset = other
    ? asRunClasses(await loadDataset(other, { seed: config.seed, log: progress.log }), ownDataset)
    : await loadImages(ownDataset, config.data, { log: progress.log });
  const warning = checkpoint === 'best' && !other
    ? 'best/ was selected on these same validation folds (the epoch with the highest top-1), so these figures are optimistic; --checkpoint last is not'
    : undefined;
  if (warning) progress.log(`note: ${warning}`);
  const predictions: Record<string, string | number | undefined>[] = [];
  const outDir = opts.outDir !== undefined
    ? path.resolve(opts.outDir)
    : insideRoot(dir, path.join(dir, `eval-${checkpoint}${other ? `-${dataTag(other)}` : ''}`), '--data');
  const lossFn = makeLoss(config.train.loss, data.classes.length);
  const results: FoldEvaluation[] = [];
  for (const fold of folds) {
    const ckpt = findCheckpoint(path.join(foldDir(dir, fold, trained), checkpoint));
    if (!ckpt) throw new UserError(`${runDir}: fold ${fold} has no ${checkpoint}/ checkpoint`);
    const state = readState(ckpt);
    checkCheckpointFits(ckpt, state, checkpointModel(config, ownDataset.classes));
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
      const inference = new InferenceLogits(model, config.runtime.compile);
      const ev = await evaluateModel(inference, batches, lossFn, data).finally(() => inference.dispose());
      predictions.push(...predictionRows(data, indices, fold, ev));
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
  writeCsv(path.join(outDir, 'predictions.csv'), predictionColumns(data), predictions);
  writeJson(path.join(outDir, 'report.json'), {
    run: dir,
    checkpoint,
    data: other ?? 'own validation splits',
    backend: backend.name,
    device: backend.device,
    threads: backend.threads,
    folds: results,
    summary,
    ...(warning ? { warning } : {}),
    ...provenance(),
  });
  return { runDir: dir, outDir, folds: results, summary, warning };
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
    if (values.length === results.length && values.length > 0) {
      const { mean, std } = meanStd(values)!; // every value is finite and there is one at least
      out[key] = { mean, std };
    }
  }
  return out;
}
