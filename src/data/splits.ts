import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataConfig, DEFAULT_GROUP_PATTERN } from '../config/run-config';
import { UserError } from '../util/errors';
import { atomicWriteFile } from '../util/files';
import { readCsv } from '../util/csv';
import { createRng, shuffleInPlace } from '../util/rng';
import type { ClassRole, Dataset, Fold, Groups } from './types';

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
  return foldsFromValSets(dataset, valSets);
}

function foldsFromValSets(dataset: Dataset, valSets: readonly number[][]): Fold[] {
  const all = dataset.samples.map((_, i) => i);
  return valSets.map((val) => {
    const inVal = new Set(val);
    return { train: all.filter((i) => !inVal.has(i)), val: [...val].sort((a, b) => a - b) };
  });
}

/**
 * Stratified group k-fold: no group in two folds, class counts as even as the
 * groups allow. Groups go largest first (ties in a seeded order) to the fold
 * whose share of the group's classes is lowest, then to the smallest fold.
 * Always adding to the emptiest fold keeps each class's per-fold counts within
 * the largest group's size of each other (the longest-processing-time rule).
 */
export function stratifiedGroupKFold(dataset: Dataset, groups: Groups, k: number, seed: number): Fold[] {
  const classTotals = dataset.classes.map((_, c) => dataset.samples.filter((s) => s.label === c).length);
  const counts = Array.from({ length: k }, () => dataset.classes.map(() => 0));
  const valSets: number[][] = Array.from({ length: k }, () => []);
  const order = shuffleInPlace([...groups], createRng(seed, 0x9a0b)).sort((a, b) => b.length - a.length);
  for (const members of order) {
    const perClass = dataset.classes.map(() => 0);
    for (const i of members) perClass[dataset.samples[i].label]++;
    const load = (f: number): number => perClass.reduce((sum, n, c) => sum + (n === 0 ? 0 : n * counts[f][c] / classTotals[c]), 0);
    let best = 0;
    for (let f = 1; f < k; f++) {
      const [lf, lb] = [load(f), load(best)];
      if (lf < lb - 1e-12 || (Math.abs(lf - lb) <= 1e-12 && valSets[f].length < valSets[best].length)) best = f;
    }
    valSets[best].push(...members);
    perClass.forEach((n, c) => { counts[best][c] += n; });
  }
  return foldsFromValSets(dataset, valSets);
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

/** data.split, where the grouping and test keys may be left out (no grouping, no held-out test). */
export type SplitConfig = Omit<DataConfig['split'], 'groupBy' | 'groupPattern' | 'test'> & Partial<Pick<DataConfig['split'], 'groupBy' | 'groupPattern' | 'test'>>;

/**
 * The group of every sample, by the config's data.split.groupBy: a file-name
 * prefix (the pattern's first capture group, or its whole match; a name that
 * does not match is a group of its own) or the CSV manifest's group column.
 */
export function sampleGroupNames(dataset: Dataset, split: SplitConfig): string[] | undefined {
  switch (split.groupBy ?? 'none') {
    case 'none':
      return undefined;
    case 'prefix': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(split.groupPattern ?? DEFAULT_GROUP_PATTERN);
      } catch (err) {
        throw new UserError(`data.split.groupPattern: "${split.groupPattern}" is not a regular expression (${(err as Error).message})`);
      }
      return dataset.samples.map((s) => {
        const name = path.basename(s.path, path.extname(s.path));
        const match = pattern.exec(name);
        return match ? (match[1] ?? match[0]) : name;
      });
    }
    case 'csv': {
      if (dataset.source !== 'csv') throw new UserError(`data.split.groupBy: "csv" needs data.source: csv (a manifest with a group column); the source is "${dataset.source}"`);
      const missing = dataset.samples.findIndex((s) => s.group === undefined);
      if (missing >= 0) throw new UserError(`data.split.groupBy: "csv": ${dataset.samples[missing].path} has no value in the manifest's group column`);
      return dataset.samples.map((s) => s.group!);
    }
  }
}

/** Sample indices by group name, in first-seen order. */
export function groupIndices(names: readonly string[]): Groups {
  const byName = new Map<string, number[]>();
  names.forEach((name, i) => {
    const members = byName.get(name);
    if (members) members.push(i);
    else byName.set(name, [i]);
  });
  return [...byName.values()];
}

/**
 * The folds the config asks for: k stratified folds (of groups, when the
 * config groups images), or one holdout split; over the images outside the
 * held-out test split (testSplit) when data.split.test names one. `names`:
 * as for testSplit.
 */
export function makeSplits(dataset: Dataset, split: SplitConfig, seed: number, names: readonly string[] | undefined = sampleGroupNames(dataset, split)): Fold[] {
  const test = new Set(testSplit(dataset, split, seed, names));
  if (test.size === 0) return foldsOf(dataset, split, seed, names);
  const rest = dataset.samples.map((_, i) => i).filter((i) => !test.has(i));
  const folds = foldsOf({ ...dataset, samples: rest.map((i) => dataset.samples[i]) }, split, seed, names && rest.map((i) => names[i]));
  return folds.map((f) => ({ train: f.train.map((i) => rest[i]), val: f.val.map((i) => rest[i]) }));
}

/** `names`: each sample's group (sampleGroupNames), none when the split does not group. */
function foldsOf(dataset: Dataset, split: SplitConfig, seed: number, names: readonly string[] | undefined): Fold[] {
  const groups = names === undefined ? undefined : groupIndices(names);
  if (split.type === 'holdout') {
    if (groups === undefined) return [stratifiedHoldout(dataset, split.valFraction, seed)];
    return [stratifiedGroupKFold(dataset, groups, Math.max(2, Math.round(1 / split.valFraction)), seed)[0]];
  }
  const smallest = Math.min(...dataset.classes.map((_, c) => dataset.samples.filter((s) => s.label === c).length));
  if (split.folds > dataset.samples.length) {
    throw new UserError(`data.split.folds: ${split.folds} folds need at least ${split.folds} images, the dataset has ${dataset.samples.length}`);
  }
  if (smallest === 0) throw new UserError(`data: a class of ${dataset.root} has no images, so the folds cannot be stratified`);
  if (groups === undefined) return stratifiedKFold(dataset, split.folds, seed);
  if (groups.length < split.folds) {
    throw new UserError(`data.split.folds: ${split.folds} folds need at least ${split.folds} groups; data.split.groupBy: ${split.groupBy} found ${groups.length}`);
  }
  return stratifiedGroupKFold(dataset, groups, split.folds, seed);
}

/**
 * The held-out test images data.split.test names (sorted indices; none
 * without the key): a fraction of each class (of whole groups, when the config
 * groups images) drawn from the seed, or the images a CSV file lists. A caller
 * that has the groups already (`names`) passes them rather than have every file
 * name matched again.
 */
export function testSplit(dataset: Dataset, split: SplitConfig, seed: number, names: readonly string[] | undefined = sampleGroupNames(dataset, split)): number[] {
  if (split.test === undefined) return [];
  if (typeof split.test === 'string') return listedTest(dataset, split.test, names);
  if (names === undefined) return stratifiedHoldout(dataset, split.test, seed).val;
  return groupHoldout(dataset, groupIndices(names), split.test, seed);
}

/**
 * About `fraction` of each class's images, in whole groups: groups go largest
 * first (ties in a seeded order) to the side, held out or kept, that is
 * further below its share of the group's classes (stratifiedGroupKFold's rule
 * with unequal shares).
 */
function groupHoldout(dataset: Dataset, groups: Groups, fraction: number, seed: number): number[] {
  const classTotals = dataset.classes.map((_, c) => dataset.samples.filter((s) => s.label === c).length);
  const held = dataset.classes.map(() => 0);
  const kept = dataset.classes.map(() => 0);
  const out: number[] = [];
  const order = shuffleInPlace([...groups], createRng(seed, 0x7e57)).sort((a, b) => b.length - a.length);
  for (const members of order) {
    const perClass = dataset.classes.map(() => 0);
    for (const i of members) perClass[dataset.samples[i].label]++;
    const deficit = (counts: number[], share: number): number =>
      perClass.reduce((sum, n, c) => sum + (n === 0 ? 0 : n * (share - counts[c] / classTotals[c])), 0);
    const hold = deficit(held, fraction) > deficit(kept, 1 - fraction);
    if (hold) out.push(...members);
    perClass.forEach((n, c) => { (hold ? held : kept)[c] += n; });
  }
  return out.sort((a, b) => a - b);
}

/** Throws unless data.split.test, when it names a CSV file, names one that exists (checked before any data loads). */
export function checkTestList(split: Pick<SplitConfig, 'test'>, source: string): void {
  if (typeof split.test === 'string' && !fs.existsSync(split.test)) {
    throw new UserError(`${source}: data.split.test: ${split.test} does not exist (expected a fraction between 0 and 1, or a CSV file with a "path" column listing the test images)`);
  }
}

/** The images a CSV file lists in its `path` column (relative to the data root, as a CSV manifest's are); whole groups only. */
function listedTest(dataset: Dataset, file: string, groups: readonly string[] | undefined): number[] {
  checkTestList({ test: file }, 'config');
  const rows = readCsv(file);
  if (rows.length === 0 || !('path' in rows[0])) throw new UserError(`data.split.test: ${file}: expected a header line with a "path" column and one row per test image`);
  const indexOf = new Map(dataset.samples.map((s, i) => [path.resolve(s.path), i]));
  const test = new Set<number>();
  rows.forEach((r, n) => {
    const i = indexOf.get(path.resolve(dataset.root, r.path));
    if (i === undefined) throw new UserError(`data.split.test: ${file}:${n + 2}: ${r.path} is not an image of the dataset under ${dataset.root}`);
    test.add(i);
  });
  if (groups) {
    const testGroups = new Set([...test].map((i) => groups[i]));
    const left = dataset.samples.findIndex((_, i) => !test.has(i) && testGroups.has(groups[i]));
    if (left >= 0) {
      throw new UserError(`data.split.test: ${file} lists only part of group "${groups[left]}" (not ${dataset.samples[left].path}); list whole groups, or the group leaks into training`);
    }
  }
  return [...test].sort((a, b) => a - b);
}

/** What a run folder keeps of its data: enough to re-evaluate on exactly the same files. */
export interface SplitManifest {
  version: 1;
  root: string;
  source: Dataset['source'];
  task: Dataset['task'];
  seed: number;
  classes: string[];
  roles?: ClassRole[];
  /** Paths relative to root, so a moved checkout still resolves them. */
  samples: { path: string; label: number; mask?: string; group?: string }[];
  /** How samples were grouped (data.split.groupBy); each sample's group is beside it. */
  groupBy?: DataConfig['split']['groupBy'];
  folds: Fold[];
  /** The held-out test images (data.split.test), in no fold; absent when there are none. */
  test?: number[];
}

/** How the samples of a split were grouped: data.split.groupBy and each sample's group (sampleGroupNames). */
export interface SampleGrouping {
  groupBy: DataConfig['split']['groupBy'];
  names: readonly string[];
}

export function writeSplitManifest(file: string, dataset: Dataset, folds: Fold[], seed: number, grouping?: SampleGrouping, test: readonly number[] = []): void {
  const groups = grouping?.names;
  const manifest: SplitManifest = {
    version: 1,
    root: dataset.root,
    source: dataset.source,
    task: dataset.task,
    seed,
    classes: dataset.classes,
    ...(dataset.roles ? { roles: dataset.roles } : {}),
    samples: dataset.samples.map((s, i) => ({
      path: path.relative(dataset.root, s.path),
      label: s.label,
      ...(s.maskPath ? { mask: path.relative(dataset.root, s.maskPath) } : {}),
      ...(groups ? { group: groups[i] } : {}),
    })),
    ...(grouping ? { groupBy: grouping.groupBy } : {}),
    folds,
    ...(test.length > 0 ? { test: [...test] } : {}),
  };
  atomicWriteFile(file, `${JSON.stringify(manifest)}\n`);
}

/**
 * Reads a split manifest back into a dataset (absolute paths under its root,
 * or under rootOverride when the data has moved), its folds and its test images.
 */
export function readSplitManifest(file: string, rootOverride?: string): { dataset: Dataset; folds: Fold[]; seed: number; test: number[] } {
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
    ...(manifest.roles ? { roles: manifest.roles } : {}),
    samples: manifest.samples.map((s) => ({
      path: path.resolve(root, s.path),
      label: s.label,
      ...(s.mask ? { maskPath: path.resolve(root, s.mask) } : {}),
      ...(s.group !== undefined ? { group: s.group } : {}),
    })),
    ignoredFiles: 0,
    skipped: [],
    manifest: file,
  };
  return { dataset, folds: manifest.folds, seed: manifest.seed, test: manifest.test ?? [] };
}
