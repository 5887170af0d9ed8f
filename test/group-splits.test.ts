/**
 * Group-aware and repeated splits: no group in two folds, every image in
 * exactly one fold, class counts per fold within the largest group's size,
 * on random grouped data and on Herlev's own file-name groups; and every run
 * of a suite trained on the same folds of each repeat (read from the split
 * manifests the trainer wrote).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
// The zoo provides the run config with its families' option schemas.
import '../src/models';
import { defaultRunConfig } from '../src/config/load';
import { createRng } from '../src/util/rng';
import { scanCsvDataset, scanFolderDataset } from '../src/data/scan';
import { Dataset, Fold, makeSplits, readSplitManifest, sampleGroupNames, writeSplitManifest } from '../src/data';
import { loadSuite } from '../src/suite/load';
import { realPorts } from '../src/suite/ports';
import { runSuite } from '../src/suite/runner';
import { herlevOrSkip, tempDir, writePng } from './fixtures/data';

/** Random groups of 1-6 images; a group mostly of one class, sometimes of two (as on Herlev's slides). */
function groupedDataset(seed: number, groups: number, classes: number): Dataset {
  const rng = createRng(seed);
  const samples: Dataset['samples'] = [];
  for (let g = 0; g < groups; g++) {
    const size = 1 + Math.floor(rng() * 6);
    const main = Math.floor(rng() * classes);
    const other = rng() < 0.15 ? Math.floor(rng() * classes) : main;
    for (let i = 0; i < size; i++) samples.push({ path: `/d/img/g${g}-${String(i).padStart(3, '0')}.png`, label: i % 3 === 2 ? other : main });
  }
  return { root: '/d', source: 'folder', task: 'classes', classes: Array.from({ length: classes }, (_, c) => `c${c}`), samples, ignoredFiles: 0, skipped: [] };
}

function assertGroupFolds(dataset: Dataset, groups: readonly string[], folds: readonly Fold[]): void {
  const foldOf = new Map<number, number>();
  folds.forEach((f, k) => f.val.forEach((i) => {
    assert.equal(foldOf.has(i), false, `image ${i} is in two folds`);
    foldOf.set(i, k);
  }));
  assert.equal(foldOf.size, dataset.samples.length, 'every image is in exactly one fold');
  for (const f of folds) assert.equal(f.train.length + f.val.length, dataset.samples.length);
  const foldsOfGroup = new Map<string, Set<number>>();
  groups.forEach((g, i) => foldsOfGroup.set(g, (foldsOfGroup.get(g) ?? new Set()).add(foldOf.get(i)!)));
  for (const [g, fs] of foldsOfGroup) assert.equal(fs.size, 1, `group ${g} is in folds ${[...fs]}`);
  const largest = Math.max(...[...groupSizes(groups).values()]);
  dataset.classes.forEach((_, c) => {
    const per = folds.map((f) => f.val.filter((i) => dataset.samples[i].label === c).length);
    assert.ok(Math.max(...per) - Math.min(...per) <= largest, `class ${c}: per-fold counts ${per} differ by more than the largest group (${largest})`);
  });
}

function groupSizes(groups: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  return sizes;
}

test('stratified group k-fold: no group in two folds, each image once, class counts within the largest group', () => {
  for (const [seed, groups, classes, k] of [[1, 60, 3, 5], [2, 200, 7, 5], [3, 25, 2, 3], [4, 120, 4, 10]]) {
    const dataset = groupedDataset(seed, groups, classes);
    const split = { type: 'kfold' as const, folds: k, valFraction: 0.2, groupBy: 'prefix' as const };
    const names = sampleGroupNames(dataset, split)!;
    assert.equal(new Set(names).size, groups, 'the default pattern takes the name before its last "-"');
    const folds = makeSplits(dataset, split, seed);
    assert.equal(folds.length, k);
    assertGroupFolds(dataset, names, folds);
    assert.deepEqual(makeSplits(dataset, split, seed), folds, 'the same seed gives the same folds');
  }
});

test("Herlev's file names group cells by slide and by image; both splits keep each group in one fold", (t) => {
  const root = herlevOrSkip(t);
  if (!root) return;
  const dataset = scanFolderDataset(root, { source: 'herlev', task: 'herlev7', masks: false });
  const bySlide = { type: 'kfold' as const, folds: 5, valFraction: 0.2, groupBy: 'prefix' as const, groupPattern: '^([^-]+)-' };
  const byImage = { ...bySlide, groupPattern: '^(.+)-[^-]+$' };
  const slides = sampleGroupNames(dataset, bySlide)!;
  const images = sampleGroupNames(dataset, byImage)!;
  assert.equal(new Set(slides).size, 323);
  assert.equal(new Set(images).size, 538);
  // An image's cells all carry one class; a slide's may carry up to three (38 slides hold two, one slide three dysplasia grades).
  const classesOf = (names: readonly string[]) => {
    const m = new Map<string, Set<number>>();
    names.forEach((n, i) => m.set(n, (m.get(n) ?? new Set()).add(dataset.samples[i].label)));
    return [...m.values()].map((s) => s.size);
  };
  assert.equal(Math.max(...classesOf(images)), 1);
  assert.equal(Math.max(...classesOf(slides)), 3);
  for (const split of [bySlide, byImage]) assertGroupFolds(dataset, sampleGroupNames(dataset, split)!, makeSplits(dataset, split, 42));
});

test('groupBy csv reads the manifest\'s group column; the split manifest records the groups', async (t) => {
  const dir = tempDir(t);
  const lines = ['path,label,group'];
  for (let i = 0; i < 24; i++) {
    const file = path.join('img', `${i}.png`);
    await writePng(path.join(dir, file), 8, 8, [i * 10, 50, 90]);
    lines.push(`${file},${i % 2 === 0 ? 'a' : 'b'},cluster${Math.floor(i / 4)}`);
  }
  fs.writeFileSync(path.join(dir, 'm.csv'), `${lines.join('\n')}\n`);
  const dataset = scanCsvDataset(path.join(dir, 'm.csv'), { source: 'csv', task: 'classes' });
  const split = { type: 'kfold' as const, folds: 3, valFraction: 0.2, groupBy: 'csv' as const };
  const names = sampleGroupNames(dataset, split)!;
  assert.equal(new Set(names).size, 6);
  const folds = makeSplits(dataset, split, 5);
  assertGroupFolds(dataset, names, folds);
  writeSplitManifest(path.join(dir, 'split.json'), dataset, folds, 5, { groupBy: split.groupBy, names });
  const back = readSplitManifest(path.join(dir, 'split.json'));
  assert.deepEqual(back.dataset.samples.map((s) => s.group), names);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'split.json'), 'utf8')).groupBy, 'csv');
});

test('grouping errors name the key and what was expected', () => {
  const dataset = groupedDataset(9, 10, 2);
  assert.throws(() => makeSplits(dataset, { type: 'kfold', folds: 3, valFraction: 0.2, groupBy: 'csv' }, 1), /data\.split\.groupBy: "csv" needs data\.source: csv/);
  assert.throws(() => makeSplits(dataset, { type: 'kfold', folds: 3, valFraction: 0.2, groupBy: 'prefix', groupPattern: '(' }, 1), /data\.split\.groupPattern: "\(" is not a regular expression/);
  assert.throws(() => makeSplits(dataset, { type: 'kfold', folds: 11, valFraction: 0.2, groupBy: 'prefix' }, 1), /data\.split\.folds: 11 folds need at least 11 groups/);
  assert.equal(defaultRunConfig(['model.name=dresnet']).data.split.groupBy, 'none', 'grouping is opt-in');
});

test('every run of a repeated suite trains on the same folds of each repeat (the split manifests agree), and repeats differ', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-paired-'));
  try {
    const suiteFile = path.join(work, 'paired.yaml');
    fs.writeFileSync(suiteFile, [
      'name: paired',
      'title: Paired folds',
      'layout: table4',
      'sizing: { classes: 4, inputSize: 32 }',
      'protocols:',
      '  tiny: { dataset: synthetic, task: classes, folds: 2, repeats: 2, inputSize: 32, epochs: 1, batchSize: 16, seed: 3, threads: 1,',
      `          set: { data.synthetic.perClass: 12, data.synthetic.imageSize: 32, runtime.outDir: ${JSON.stringify(path.join(work, 'runs'))} } }`,
      'runs:',
      '  - { id: a, label: A, set: { model.name: shufflenet_v2, model.width: 0.5 } }',
      '  - { id: b, label: B, set: { model.name: mobilenet_v2, model.width: 0.25 } }',
      '',
    ].join('\n'));
    const out = path.join(work, 'results');
    const summary = await runSuite(loadSuite(suiteFile), { protocol: 'tiny', outDir: out, probe: false }, realPorts({ quiet: true, log: () => {} }));
    assert.equal(summary.trained.length, 8);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'state.json'), 'utf8')) as { folds: Record<string, { runDir: string }> };
    const valOf = (key: string) => {
      const { folds } = readSplitManifest(path.join(state.folds[key].runDir, 'split.json'));
      return folds.map((f) => f.val);
    };
    for (const key of ['fold0', 'fold1', 'r1/fold0', 'r1/fold1']) assert.deepEqual(valOf(`a/${key}`), valOf(`b/${key}`), `runs a and b differ on ${key}`);
    assert.notDeepEqual(valOf('a/fold0'), valOf('a/r1/fold0'), 'the second repeat draws another split');
    const rows = fs.readFileSync(path.join(out, 'runs.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 9);
    assert.match(rows[0], /^suite,protocol,run_id,label,repeat,fold,/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
