/**
 * data.split.test: images held out of every fold (a fraction, of whole groups
 * with groupBy, or a CSV list), recorded in the split manifest, and scored at
 * the end of each fold into report.json and folds.csv; bad values name the key.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
// The zoo provides the run config with its families' option schemas.
import '../src/models';
import { loadRunConfig } from '../src/config/load';
import { packageRoot } from '../src/util/files';
import { readCsv } from '../src/util/csv';
import { scanFolderDataset } from '../src/data/scan';
import { Dataset, makeSplits, readSplitManifest, sampleGroupNames, testSplit } from '../src/data';
import type { SplitConfig } from '../src/data/splits';
import { checkRunConfig } from '../src/train/preflight';
import { trainRun } from '../src/train/trainer';
import { collectRun } from '../src/suite/ports';
import { evaluateRun } from '../src/train/evaluate';
import { tempDir, writePng } from './fixtures/data';

const CLASSES = ['c0', 'c1', 'c2'];
const GROUPS_PER_CLASS = 4;
const PER_GROUP = 3;

/** 3 classes x 4 slides x 3 cells, named <slide>-<cell>.png so that groupBy prefix groups a slide's cells. */
async function slideDataset(root: string): Promise<void> {
  for (const [c, cls] of CLASSES.entries()) {
    for (let g = 0; g < GROUPS_PER_CLASS; g++) {
      for (let i = 0; i < PER_GROUP; i++) await writePng(path.join(root, cls, `${cls}s${g}-${i}.png`), 12, 10, [60 * c + 10 * g, 30 * i, 90]);
    }
  }
}

/** Every image in exactly one of: a fold's validation split, the test split; no group in two of them; no test image trained on. */
function assertDisjoint(dataset: Dataset, split: SplitConfig, seed: number): { folds: ReturnType<typeof makeSplits>; held: number[] } {
  const folds = makeSplits(dataset, split, seed);
  const held = testSplit(dataset, split, seed);
  const partOf = new Map<number, string>();
  const place = (i: number, part: string) => {
    assert.equal(partOf.has(i), false, `image ${i} is in ${partOf.get(i)} and ${part}`);
    partOf.set(i, part);
  };
  held.forEach((i) => place(i, 'test'));
  folds.forEach((f, k) => f.val.forEach((i) => place(i, `fold ${k}`)));
  assert.equal(partOf.size, dataset.samples.length, 'every image is in one fold or the test split');
  for (const f of folds) {
    assert.equal(f.train.length + f.val.length + held.length, dataset.samples.length);
    assert.ok(!f.train.some((i) => held.includes(i)), 'no test image in a training split');
  }
  const names = sampleGroupNames(dataset, split);
  if (names) {
    const partsOfGroup = new Map<string, Set<string>>();
    names.forEach((g, i) => partsOfGroup.set(g, (partsOfGroup.get(g) ?? new Set()).add(partOf.get(i)!)));
    for (const [g, parts] of partsOfGroup) assert.equal(parts.size, 1, `group ${g} is in ${[...parts].join(' and ')}`);
  }
  return { folds, held };
}

test('a test fraction by prefix groups: whole slides held out, about the fraction of each class, folds over the rest; the same seed, the same split', async (t) => {
  const root = tempDir(t);
  await slideDataset(root);
  const dataset = scanFolderDataset(root, { source: 'folder', task: 'classes', masks: false });
  const split: SplitConfig = { type: 'kfold', folds: 3, valFraction: 0.2, groupBy: 'prefix', test: 0.25 };
  const { held } = assertDisjoint(dataset, split, 7);
  // A quarter of each class's 4 slides is one slide of 3 cells.
  CLASSES.forEach((_, c) => assert.equal(held.filter((i) => dataset.samples[i].label === c).length, PER_GROUP, `class ${c}`));
  assert.deepEqual(testSplit(dataset, split, 7), held);
  assert.deepEqual(makeSplits(dataset, { ...split, test: undefined }, 7), makeSplits(dataset, { type: 'kfold', folds: 3, valFraction: 0.2, groupBy: 'prefix' }, 7),
    'no test split: the folds of before');
  // Without groups: stratified by class, a quarter of each class's 12 images.
  const plain = assertDisjoint(dataset, { type: 'kfold', folds: 3, valFraction: 0.2, test: 0.25 }, 7).held;
  CLASSES.forEach((_, c) => assert.equal(plain.filter((i) => dataset.samples[i].label === c).length, 3));
});

test('a test list (CSV, paths relative to the data root) holds out exactly its images; images outside the dataset and split groups are named', async (t) => {
  const root = tempDir(t);
  await slideDataset(root);
  const dataset = scanFolderDataset(root, { source: 'folder', task: 'classes', masks: false });
  const list = path.join(root, 'test.csv');
  const listed = ['c0/c0s1-0.png', 'c0/c0s1-1.png', 'c0/c0s1-2.png', 'c2/c2s3-0.png', 'c2/c2s3-1.png', 'c2/c2s3-2.png'];
  fs.writeFileSync(list, `path\n${listed.join('\n')}\n`);
  const split: SplitConfig = { type: 'kfold', folds: 3, valFraction: 0.2, groupBy: 'prefix', test: list };
  const { held } = assertDisjoint(dataset, split, 3);
  assert.deepEqual(held.map((i) => path.relative(root, dataset.samples[i].path)).sort(), [...listed].sort());
  fs.writeFileSync(list, 'path\nc0/c0s1-0.png\nc9/nothere.png\n');
  assert.throws(() => testSplit(dataset, { ...split, groupBy: 'none' }, 3), /^UserError: data\.split\.test: .*test\.csv:3: c9\/nothere\.png is not an image of the dataset/);
  fs.writeFileSync(list, 'path\nc0/c0s1-0.png\n');
  assert.throws(() => testSplit(dataset, split, 3), /data\.split\.test: .*lists only part of group "c0s1"/);
  assert.deepEqual(testSplit(dataset, { ...split, groupBy: 'none' }, 3).length, 1, 'ungrouped, one image is a test split');
});

const quickstart = path.join(packageRoot(), 'configs', 'quickstart.yaml');

test('data.split.test: a fraction outside (0, 1) or a missing CSV is one line naming the key; absent, the config has none', (t) => {
  for (const bad of ['0', '1', '1.5', '-0.2']) {
    assert.throws(() => loadRunConfig(quickstart, [`data.split.test=${bad}`]), /data\.split\.test: expected a fraction between 0 and 1 \(exclusive\)/, bad);
  }
  const missing = path.join(tempDir(t), 'absent.csv');
  const config = loadRunConfig(quickstart, [`data.split.test=${missing}`]);
  assert.throws(() => checkRunConfig(config, 'x.yaml'), new RegExp(`^UserError: x\\.yaml: data\\.split\\.test: ${missing.replace(/[.]/g, '\\.')} does not exist`));
  assert.equal(loadRunConfig(quickstart).data.split.test, undefined);
});

/** 1 epoch of a tiny DResNet on the slide dataset: 3 grouped folds, a quarter of the slides held out as the test split. */
function groupedTestSplitRun(root: string, out: string, fold: string) {
  return loadRunConfig(quickstart, [
    'runtime.backend=cpu', 'model.width=0.125', 'data.inputSize=32', 'data.source=folder', `data.path=${root}`,
    'data.roles={c0: normal, c1: abnormal, c2: abnormal}',
    'data.split.type=kfold', 'data.split.folds=3', 'data.split.groupBy=prefix', 'data.split.test=0.25',
    'train.batchSize=8', 'train.epochs=1', `train.fold=${fold}`, `runtime.outDir=${out}`,
  ]);
}

test('a grouped k-fold run with a test split: split.json records it, each fold scores its last checkpoint on it into report.json and folds.csv, as eval does', async (t) => {
  const root = tempDir(t);
  await slideDataset(root);
  const out = tempDir(t, 'dresnet-testsplit-');
  const config = groupedTestSplitRun(root, out, 'all');
  const run = await trainRun(config, { progress: 'silent', runDir: path.join(out, 'run') });
  assert.equal(run.status, 'completed');
  const manifest = readSplitManifest(path.join(run.runDir, 'split.json'));
  assert.equal(manifest.test.length, 9, 'one slide of each class');
  for (const f of manifest.folds) assert.ok(!manifest.test.some((i) => f.train.includes(i) || f.val.includes(i)));

  const report = JSON.parse(fs.readFileSync(path.join(run.runDir, 'report.json'), 'utf8'));
  assert.equal(report.testImages, 9);
  for (const f of report.folds) {
    assert.equal(f.test.n, 9);
    assert.ok(f.test.top1 >= 0 && f.test.top1 <= 1 && typeof f.test.macroF1 === 'number' && typeof f.test.clinical.auc === 'number');
  }
  assert.ok(report.summary.test_top1 && report.summary.test_auc);
  const rows = readCsv(path.join(run.runDir, 'folds.csv'));
  for (const col of ['test_top1', 'test_macro_f1', 'test_loss', 'test_sensitivity', 'test_specificity', 'test_auc']) assert.ok(col in rows[0], col);
  report.folds.forEach((f: { test: { top1: number } }, k: number) => assert.equal(Number(rows[k].test_top1), f.test.top1));

  // eval's recomputation: each fold's last/ on a CSV manifest of exactly the test images.
  const csv = path.join(root, 'test-manifest.csv');
  fs.writeFileSync(csv, `path,label\n${manifest.test.map((i) => `${path.relative(root, manifest.dataset.samples[i].path)},${manifest.dataset.classes[manifest.dataset.samples[i].label]}`).join('\n')}\n`);
  const ev = await evaluateRun(run.runDir, { checkpoint: 'last', data: { ...config.data, source: 'csv', path: csv }, progress: 'silent', outDir: path.join(out, 'eval') });
  ev.folds.forEach((f, k) => {
    assert.equal(f.metrics.n, 9);
    assert.ok(Math.abs(f.metrics.top1 - report.folds[k].test.top1) < 1e-12, `fold ${k}: eval ${f.metrics.top1} vs ${report.folds[k].test.top1}`);
    assert.ok(Math.abs(f.loss - report.folds[k].test.loss) < 1e-5, `fold ${k}: eval loss ${f.loss} vs ${report.folds[k].test.loss}`);
  });
});

test('a suite fold-run with a test split carries its test figures into runs.csv (collectRun)', async (t) => {
  const root = tempDir(t);
  await slideDataset(root);
  const out = tempDir(t, 'dresnet-testsplit-');
  const config = groupedTestSplitRun(root, out, '0');
  const run = await trainRun(config, { progress: 'silent', runDir: path.join(out, 'run') });
  const report = JSON.parse(fs.readFileSync(path.join(run.runDir, 'report.json'), 'utf8'));
  const { metrics } = collectRun(run.runDir);
  assert.equal(metrics.test_n, 9);
  assert.equal(metrics.test_top1, report.folds[0].test.top1);
  assert.equal(metrics.test_auc, report.folds[0].test.clinical.auc);
});

test('the folds must fit the images the test split leaves: each class\'s remainder is checked before a run folder exists', async (t) => {
  const root = tempDir(t);
  await slideDataset(root);
  const out = tempDir(t, 'dresnet-testsplit-');
  // Three of each class's four slides held out leave 3 images a class, too few for 4 folds (12 would do).
  const config = loadRunConfig(quickstart, [
    'runtime.backend=cpu', 'data.inputSize=32', 'data.source=folder', `data.path=${root}`,
    'data.split.type=kfold', 'data.split.folds=4', 'data.split.groupBy=prefix', 'data.split.test=0.75', `runtime.outDir=${out}`,
  ]);
  await assert.rejects(trainRun(config, { progress: 'silent' }), /data\.split\.folds: 4 stratified folds need at least 4 images of every class, .*"c0" has 3/);
  assert.deepEqual(fs.readdirSync(out), []);
});
