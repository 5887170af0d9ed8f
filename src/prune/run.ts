/**
 * A pruned run: one fold of a trained run, pruned and fine-tuned into a new
 * run folder with the parent's data, split and optimiser. The folder is an
 * ordinary run folder (config.yaml, split.json, metrics.csv, best/ last/,
 * report.json) whose init/ holds the pruned model before fine-tuning, which
 * the trainer starts from instead of building config.model (so `train
 * --resume` and `eval` work on it as on any run). report.json gains
 * `pruning`: the parent, the method, the sizes before and after, the plan.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadRunConfig, toYaml } from '../config/load';
import { foldsNamed, RunConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { atomicWriteFile } from '../util/files';
import { readSplitManifest } from '../data';
import { selectBackend } from '../backend';
import { modelStats, ModelStats } from '../models';
import { readJson, writeJson } from '../util/json';
import { findCheckpoint, INIT_DIR, loadModelWeights, saveModel } from '../train/checkpoint';
import { createProgress, ProgressMode } from '../train/progress';
import { resumeRun } from '../train/trainer';
import { foldDir, foldModel, isRunFolder } from '../train/run-folder';
import type { EpochReport, RunResult } from '../train/run-types';
import { checkRatio, PRUNE_METHODS, PruneMethod, PrunePlan } from './plan';
import { pruneModel } from './apply';

export interface PruneRunOptions {
  ratio: number;
  method?: PruneMethod;
  /** Fine-tuning epochs (default: the parent's train.epochs). */
  finetuneEpochs?: number;
  /** `key=value` overrides of the fine-tuning config (train.optimizer.lr, train.schedule.*, runtime.*), applied last. */
  set?: readonly string[];
  /** The parent's fold, when it trained several. */
  fold?: number;
  checkpoint?: 'best' | 'last';
  /** The pruned run's folder (resumed when it already holds that run); default beside the parent. */
  runDir?: string;
  progress?: ProgressMode;
  interrupt?: { stop: boolean };
  onEpoch?: (report: EpochReport) => void;
}

export interface PruningReport {
  parent: string;
  parentFold: number;
  checkpoint: string;
  method: PruneMethod;
  ratio: number;
  finetuneEpochs: number;
  parentParams: number;
  prunedParams: number;
  parentMacs: number;
  prunedMacs: number;
  plan: PrunePlan;
}

/** The pruning record (report.json's `pruning`), written before fine-tuning starts. */
const PRUNING_FILE = 'pruning.json';

interface Parent {
  dir: string;
  config: RunConfig;
  fold: number;
  foldDir: string;
  checkpoint: string;
  classes: number;
}

function parentRun(runDir: string, opts: PruneRunOptions): Parent {
  const dir = path.resolve(runDir);
  if (!isRunFolder(dir)) throw new UserError(`--run ${runDir}: no config.yaml and split.json there (not a dresnet run folder)`);
  const config = loadRunConfig(path.join(dir, 'config.yaml'));
  const { dataset, folds } = readSplitManifest(path.join(dir, 'split.json'));
  const trained = foldsNamed(config.train.fold, folds.length);
  const fold = opts.fold ?? (trained.length === 1 ? trained[0] : undefined);
  if (fold === undefined || !trained.includes(fold)) {
    throw new UserError(`--run ${runDir}: it trained fold(s) ${trained.join(', ')}; ${fold === undefined ? 'choose one with --fold' : `not fold ${fold}`}`);
  }
  const fd = foldDir(dir, fold, trained);
  const which = opts.checkpoint ?? 'best';
  const checkpoint = findCheckpoint(path.join(fd, which));
  if (checkpoint === undefined) throw new UserError(`--run ${runDir}: no ${which}/ checkpoint in ${fd} (train the run first)`);
  return { dir, config, fold, foldDir: fd, checkpoint, classes: dataset.classes.length };
}

/** A fresh folder beside the parent, named after it and the pruning. */
function defaultRunDir(parent: Parent, method: PruneMethod, ratio: number): string {
  const base = path.join(path.dirname(parent.dir), `${path.basename(parent.dir)}-${method}${ratio}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/**
 * The fine-tuning config's changes to the parent's, besides its name and
 * fold (a suite resolves its pruned fold-runs with the same ones).
 */
export function finetuneSettings(epochs: number): Record<string, unknown> {
  // Network slimming fine-tunes without the sparsity penalty (Liu et al. 2017, section 4).
  return { 'train.epochs': epochs, 'train.loss.bnL1': 0 };
}

function childConfig(parent: Parent, method: PruneMethod, ratio: number, epochs: number, set: readonly string[]): RunConfig {
  const settings = Object.entries(finetuneSettings(epochs)).map(([keyPath, value]) => ({ keyPath, value, source: 'prune' }));
  return loadRunConfig(path.join(parent.dir, 'config.yaml'), [
    `name=${JSON.stringify(`${parent.config.name}-${method}${ratio}`)}`,
    `train.fold=${parent.fold}`,
    ...settings,
    ...set,
  ]);
}

async function parentModel(parent: Parent): Promise<LayersModel> {
  const model = await foldModel(parent.config, parent.classes, parent.fold, parent.foldDir);
  loadModelWeights(parent.checkpoint, model);
  return model;
}

const sizes = (s: ModelStats): { params: number; macs: number } => ({ params: s.totalParams, macs: s.macs });

/** Prunes the parent's model and writes the new run folder, ready for the trainer to fine-tune. */
async function preparePrunedRun(parent: Parent, runDir: string, config: RunConfig, method: PruneMethod, ratio: number): Promise<PruningReport> {
  const model = await parentModel(parent);
  try {
    const { model: pruned, plan } = pruneModel(model, method, ratio);
    try {
      const [before, after] = [sizes(modelStats(model)), sizes(modelStats(pruned))];
      const report: PruningReport = {
        parent: parent.dir, parentFold: parent.fold, checkpoint: parent.checkpoint, method, ratio, finetuneEpochs: config.train.epochs,
        parentParams: before.params, prunedParams: after.params, parentMacs: before.macs, prunedMacs: after.macs, plan,
      };
      fs.mkdirSync(runDir, { recursive: true });
      await saveModel(path.join(runDir, INIT_DIR), pruned);
      writeJson(path.join(runDir, PRUNING_FILE), report);
      fs.copyFileSync(path.join(parent.dir, 'split.json'), path.join(runDir, 'split.json'));
      // config.yaml last: with it the folder is a run folder, which a repeated call resumes.
      atomicWriteFile(path.join(runDir, 'config.yaml'), toYaml(config));
      return report;
    } finally {
      pruned.dispose();
    }
  } finally {
    model.dispose();
  }
}

/**
 * Prunes one fold of the run in `parentRunDir` and fine-tunes the pruned
 * model into a new run folder (RunResult.runDir). Repeating the call with the
 * same runDir resumes the fine-tuning.
 */
export async function pruneFold(parentRunDir: string, opts: PruneRunOptions): Promise<RunResult> {
  const parent = parentRun(parentRunDir, opts);
  const method = opts.method ?? 'l1';
  return prunedRun(parent, opts, () => childConfig(parent, method, opts.ratio, opts.finetuneEpochs ?? parent.config.train.epochs, opts.set ?? []));
}

/**
 * pruneFold with the fine-tuning config given whole (finetuneEpochs and set
 * are then not used): a suite resolves its pruned fold-runs' configs, and
 * hashes them, as it does its other fold-runs.
 */
export async function pruneFoldAs(parentRunDir: string, config: RunConfig, opts: PruneRunOptions): Promise<RunResult> {
  return prunedRun(parentRun(parentRunDir, opts), opts, () => config);
}

async function prunedRun(parent: Parent, opts: PruneRunOptions, fineTuning: () => RunConfig): Promise<RunResult> {
  const method = opts.method ?? 'l1';
  if (!PRUNE_METHODS.includes(method)) throw new UserError(`--method ${method}: expected one of ${PRUNE_METHODS.join(', ')}`);
  checkRatio(opts.ratio);
  const progress = createProgress(opts.progress ?? 'lines');
  const runDir = path.resolve(opts.runDir ?? defaultRunDir(parent, method, opts.ratio));
  const pruningFile = path.join(runDir, PRUNING_FILE);
  let pruning: PruningReport;
  if (isRunFolder(runDir) && fs.existsSync(pruningFile)) {
    pruning = readJson<PruningReport>(pruningFile);
  } else {
    const config = fineTuning();
    await selectBackend(config.runtime);
    if (method === 'slim' && parent.config.train.loss.bnL1 === 0) {
      progress.log('note: the parent trained without train.loss.bnL1; network slimming ranks the scales of a sparsity-trained parent');
    }
    pruning = await preparePrunedRun(parent, runDir, config, method, opts.ratio);
    progress.log(`pruned ${parent.config.model.name} (${method}, ratio ${opts.ratio}): ${pruning.parentParams} -> ${pruning.prunedParams} params, ` +
      `${pruning.parentMacs} -> ${pruning.prunedMacs} MACs; fine-tuning in ${runDir}`);
  }
  const run = await resumeRun(runDir, { progress: opts.progress, interrupt: opts.interrupt, onEpoch: opts.onEpoch });
  const reportPath = path.join(runDir, 'report.json');
  writeJson(reportPath, { ...readJson<Record<string, unknown>>(reportPath), pruning });
  return run;
}

/** The pruning record of a pruned run folder (written before its fine-tuning starts). */
export function readPruning(runDir: string): PruningReport {
  return readJson<PruningReport>(path.join(runDir, PRUNING_FILE));
}
