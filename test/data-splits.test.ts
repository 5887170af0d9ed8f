import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Dataset, makeSplits, readSplitManifest, writeSplitManifest } from '../src/data';
import { tempDir } from './fixtures/data';

function fakeDataset(counts: number[], root = '/data'): Dataset {
  const samples = counts.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ path: path.join(root, `c${label}`, `${i}.png`), label })));
  return { root, source: 'folder', task: 'classes', classes: counts.map((_, c) => `c${c}`), samples, ignoredFiles: 0, skipped: [] };
}

test('k-fold is stratified, balanced, disjoint and covering for many class sizes and k', () => {
  for (const [counts, k] of [[[10, 3, 7], 5], [[1, 2, 50], 3], [[13, 13], 10], [[4, 9, 1, 22], 4]] as [number[], number][]) {
    const ds = fakeDataset(counts);
    const folds = makeSplits(ds, { type: 'kfold', folds: k, valFraction: 0.2 }, 11);
    assert.equal(folds.length, k);
    assert.deepEqual(folds.flatMap((f) => f.val).sort((a, b) => a - b), ds.samples.map((_, i) => i));
    const sizes = folds.map((f) => f.val.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
    for (const f of folds) assert.deepEqual([...f.train, ...f.val].sort((a, b) => a - b), ds.samples.map((_, i) => i));
    counts.forEach((_, c) => {
      const per = folds.map((f) => f.val.filter((i) => ds.samples[i].label === c).length);
      assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${c}: ${per}`);
    });
  }
});

test('holdout keeps about valFraction of every class in validation, fixed by the seed', () => {
  const ds = fakeDataset([50, 20, 5, 1]);
  const [fold] = makeSplits(ds, { type: 'holdout', folds: 5, valFraction: 0.2 }, 3);
  const valPer = ds.classes.map((_, c) => fold.val.filter((i) => ds.samples[i].label === c).length);
  assert.deepEqual(valPer, [10, 4, 1, 0]);
  assert.equal(fold.train.length + fold.val.length, 76);
  assert.deepEqual(makeSplits(ds, { type: 'holdout', folds: 5, valFraction: 0.2 }, 3), [fold]);
  assert.notDeepEqual(makeSplits(ds, { type: 'holdout', folds: 5, valFraction: 0.2 }, 4)[0].val, fold.val);
});

test('the split manifest round-trips the files, labels and folds (paths relative to the root)', (t) => {
  const dir = tempDir(t);
  const ds = fakeDataset([4, 6], path.join(dir, 'data'));
  ds.samples[0].maskPath = path.join(dir, 'data', 'c0', '0-d.bmp');
  const folds = makeSplits(ds, { type: 'kfold', folds: 2, valFraction: 0.2 }, 1);
  const file = path.join(dir, 'run', 'split.json');
  writeSplitManifest(file, ds, folds, 1);
  assert.match(fs.readFileSync(file, 'utf8'), /"path":"c0\/0\.png"/);
  const back = readSplitManifest(file);
  assert.deepEqual(back.folds, folds);
  assert.equal(back.seed, 1);
  assert.deepEqual(back.dataset.samples, ds.samples);
  assert.equal(back.dataset.manifest, file);
  assert.deepEqual(back.dataset.classes, ds.classes);
  const moved = readSplitManifest(file, '/elsewhere');
  assert.equal(moved.dataset.samples[1].path, '/elsewhere/c0/1.png');
  fs.writeFileSync(file, '{"version": 9}');
  assert.throws(() => readSplitManifest(file), /not a dresnet split manifest/);
});
