import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { atomicWriteFile } from '../util/files';
import { createRng, shuffleInPlace } from './rng';
import type { Dataset, Fold } from './types';

/** Sample indices grouped by label, each group shuffled by the seed. */
function shuffledByClass(dataset: Dataset, seed: number): number[][] {
  const groups: number[][] = dataset.classes.map(() => []);
  dataset.samples.forEach((s, i) => groups[s.label].push(i));
  return groups.map((g, label) => shuffleInPlace(g, createRng(seed, 0x5b1d, label)));
}

/**
 * Stratified k-fold: each class's shuffled samples are dealt round-robin to
 * the folds, continuing where the previous class stopped, so per-class counts
 * per fold differ by at most 1 and fold sizes too.
 */
export function stratifiedKFold(dataset: Dataset, k: number, seed: number): Fold[] {
  const valSets: number[][] = Array.from({ length: k }, () => []);
  let dealt = 0;
  for (const group of shuffledByClass(dataset, seed)) {
    for (const index of group) valSets[dealt++ % k].push(index);
  }
  const all = dataset.samples.map((_, i) => i);
  return valSets.map((val) => {
    const inVal = new Set(val);
    return { train: all.filter((i) => !inVal.has(i)), val: [...val].sort((a, b) => a - b) };
  });
}

/** One stratified train/validation split with about valFraction of each class in validation (at least one, if a class has two or more). */
export function stratifiedHoldout(dataset: Dataset, valFraction: number, seed: number): Fold {
  const val: number[] = [];
  for (const group of shuffledByClass(dataset, seed)) {
    const n = group.length < 2 ? 0 : Math.min(group.length - 1, Math.max(1, Math.round(group.length * valFraction)));
    val.push(...group.slice(0, n));
  }
  const inVal = new Set(val);
  return { train: dataset.samples.map((_, i) => i).filter((i) => !inVal.has(i)), val: val.sort((a, b) => a - b) };
}

/** The folds the config asks for: k stratified folds, or one holdout split. */
export function makeSplits(dataset: Dataset, split: DataConfig['split'], seed: number): Fold[] {
  if (split.type === 'holdout') return [stratifiedHoldout(dataset, split.valFraction, seed)];
  const smallest = Math.min(...dataset.classes.map((_, c) => dataset.samples.filter((s) => s.label === c).length));
  if (split.folds > dataset.samples.length) {
    throw new UserError(`data.split.folds: ${split.folds} folds need at least ${split.folds} images, the dataset has ${dataset.samples.length}`);
  }
  if (smallest === 0) throw new UserError(`data: a class of ${dataset.root} has no images, so the folds cannot be stratified`);
  return stratifiedKFold(dataset, split.folds, seed);
}

/** What a run folder keeps of its data: enough to re-evaluate on exactly the same files. */
export interface SplitManifest {
  version: 1;
  root: string;
  source: Dataset['source'];
  task: Dataset['task'];
  seed: number;
  classes: string[];
  /** Paths relative to root, so a moved checkout still resolves them. */
  samples: { path: string; label: number; mask?: string }[];
  folds: Fold[];
}

export function writeSplitManifest(file: string, dataset: Dataset, folds: Fold[], seed: number): void {
  const manifest: SplitManifest = {
    version: 1,
    root: dataset.root,
    source: dataset.source,
    task: dataset.task,
    seed,
    classes: dataset.classes,
    samples: dataset.samples.map((s) => ({
      path: path.relative(dataset.root, s.path),
      label: s.label,
      ...(s.maskPath ? { mask: path.relative(dataset.root, s.maskPath) } : {}),
    })),
    folds,
  };
  atomicWriteFile(file, `${JSON.stringify(manifest)}\n`);
}

/**
 * Reads a split manifest back into a dataset (absolute paths under its root,
 * or under rootOverride when the data has moved) and its folds.
 */
export function readSplitManifest(file: string, rootOverride?: string): { dataset: Dataset; folds: Fold[]; seed: number } {
  let manifest: SplitManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as SplitManifest;
  } catch (err) {
    throw new UserError(`cannot read split manifest ${file}: ${(err as Error).message}`);
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.samples) || !Array.isArray(manifest.folds)) {
    throw new UserError(`${file}: not a dresnet split manifest (version 1)`);
  }
  const root = rootOverride ?? manifest.root;
  const dataset: Dataset = {
    root,
    source: manifest.source,
    task: manifest.task,
    classes: manifest.classes,
    samples: manifest.samples.map((s) => ({
      path: path.resolve(root, s.path),
      label: s.label,
      ...(s.mask ? { maskPath: path.resolve(root, s.mask) } : {}),
    })),
    ignoredFiles: 0,
    skipped: [],
    manifest: file,
  };
  return { dataset, folds: manifest.folds, seed: manifest.seed };
}
