import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { dataSchema } from '../src/config/run-config';
import { classCounts, HERLEV_CLASSES, loadImages, makeSplits, scanDataset } from '../src/data';
import { herlevFiles, herlevOrSkip, tempDir } from './fixtures/data';

// The per-class counts of ../shared/data/herlev/SOURCE.md (the official smear2005 counts).
const SOURCE_COUNTS: Record<string, number> = {
  carcinoma_in_situ: 150,
  light_dysplastic: 182,
  moderate_dysplastic: 146,
  normal_columnar: 98,
  normal_intermediate: 70,
  normal_superficiel: 74,
  severe_dysplastic: 197,
};

const herlevCfg = (extra: Record<string, unknown>) => dataSchema.parse({ source: 'herlev', ...extra }, 'data');

test('Herlev herlev7 loads with the exact per-class counts of SOURCE.md, in the paper\'s class order', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const ds = await scanDataset(herlevCfg({ path: herlev, task: 'herlev7' }), { seed: 1 });
  assert.deepEqual(ds.classes, [...HERLEV_CLASSES]);
  assert.deepEqual(Object.fromEntries(ds.classes.map((c, i) => [c, classCounts(ds)[i]])), SOURCE_COUNTS);
  assert.equal(ds.samples.length, 917);
  assert.ok(ds.samples.every((s) => /\.bmp$/i.test(s.path) && !/-d\.bmp$/i.test(s.path)));
  // SOURCE.md and manifest.csv sit beside the class folders: counted, not used.
  assert.equal(ds.ignoredFiles, 2);
});

test('Herlev herlev2 has 242 normal and 675 abnormal images; task "classes" keeps the 7 folders', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const two = await scanDataset(herlevCfg({ path: herlev, task: 'herlev2' }), { seed: 1 });
  assert.deepEqual(two.classes, ['normal', 'abnormal']);
  assert.deepEqual(classCounts(two), [242, 675]);
  const folders = await scanDataset(herlevCfg({ path: herlev, task: 'classes' }), { seed: 1 });
  assert.deepEqual(folders.classes, Object.keys(SOURCE_COUNTS).sort());
  assert.deepEqual(classCounts(folders), folders.classes.map((c) => SOURCE_COUNTS[c]));
});

test('Herlev 5-fold split is stratified, disjoint, covering and fixed by the seed', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const ds = await scanDataset(herlevCfg({ path: herlev, task: 'herlev7' }), { seed: 1 });
  const split = { type: 'kfold' as const, folds: 5, valFraction: 0.2 };
  const folds = makeSplits(ds, split, 7);
  assert.equal(folds.length, 5);
  const seen = folds.flatMap((f) => f.val).sort((a, b) => a - b);
  assert.deepEqual(seen, ds.samples.map((_, i) => i), 'every image is validated exactly once');
  for (const f of folds) {
    assert.equal(f.train.length + f.val.length, 917);
    assert.equal(new Set([...f.train, ...f.val]).size, 917, 'train and val are disjoint');
  }
  for (let c = 0; c < 7; c++) {
    const perFold = folds.map((f) => f.val.filter((i) => ds.samples[i].label === c).length);
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c} per-fold counts ${perFold}`);
  }
  assert.deepEqual(makeSplits(ds, split, 7), folds);
  assert.notDeepEqual(makeSplits(ds, split, 8)[0].val, folds[0].val);
});

test('real Herlev BMPs decode through fast-bmp, resize to the input size (pad and crop) and are cached until a file changes', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const dir = tempDir(t);
  const root = path.join(dir, 'data');
  for (const cls of ['light_dysplastic', 'normal_columnar']) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (const f of herlevFiles(herlev, cls, 3)) fs.copyFileSync(f, path.join(root, cls, path.basename(f)));
  }
  const cfg = dataSchema.parse({ source: 'folder', path: root, inputSize: 32 }, 'data');
  const ds = await scanDataset(cfg, { seed: 1 });
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);
  const cacheDir = path.join(dir, 'cache');
  const first = await loadImages(ds, cfg, { cacheDir, log });
  assert.equal(first.images.count, 6);
  assert.equal(first.images.pixels.length, 6 * 32 * 32 * 3);
  assert.ok(logs.some((l) => l.startsWith('decoded 6 images')));
  // A cell photo is not flat: the resized image must carry its variation.
  const px = first.images.pixels.subarray(0, 32 * 32 * 3);
  assert.ok(Math.max(...px) - Math.min(...px) > 50);

  logs.length = 0;
  const again = await loadImages(ds, cfg, { cacheDir, log });
  assert.ok(logs.some((l) => l.startsWith('image cache:')), `second load reads the cache: ${logs}`);
  assert.deepEqual(again.images.pixels, first.images.pixels);

  const cropped = await loadImages(ds, { ...cfg, resize: 'crop' }, { cacheDir, log });
  assert.notDeepEqual(cropped.images.pixels, first.images.pixels, 'crop and pad are cached apart');

  // Replace the first image by another cell: the cache must notice and rebuild.
  fs.copyFileSync(herlevFiles(herlev, 'severe_dysplastic', 1)[0], ds.samples[0].path);
  logs.length = 0;
  const rebuilt = await loadImages(ds, cfg, { cacheDir, log });
  assert.ok(logs.some((l) => l.startsWith('decoded 6 images')), `changed file rebuilds: ${logs}`);
  assert.notDeepEqual(rebuilt.images.pixels.subarray(0, 32 * 32 * 3), first.images.pixels.subarray(0, 32 * 32 * 3));
  assert.deepEqual(rebuilt.images.pixels.subarray(32 * 32 * 3), first.images.pixels.subarray(32 * 32 * 3));
  assert.equal(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.bin')).length, 2, 'the changed entry is rewritten in place');

  // A damaged cache file is rebuilt, not trusted.
  const entry = path.join(cacheDir, fs.readdirSync(cacheDir).find((f) => f.includes('-pad-'))!);
  fs.truncateSync(entry, fs.statSync(entry).size - 100);
  logs.length = 0;
  const repaired = await loadImages(ds, cfg, { cacheDir, log });
  assert.ok(logs.some((l) => l.startsWith('decoded 6 images')), `truncated cache rebuilds: ${logs}`);
  assert.deepEqual(repaired.images.pixels, rebuilt.images.pixels);
});
