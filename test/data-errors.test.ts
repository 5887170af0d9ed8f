import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../src/util/errors';
import { dataSchema } from '../src/config/run-config';
import { classCounts, loadDataset, loadImages, makeSplits, readSplitManifest, scanDataset, writeSplitManifest } from '../src/data';
import { runCli } from './helpers/cli';
import { herlevFiles, herlevOrSkip, tempDir, writeFolderDataset } from './fixtures/data';

const folderCfg = (root: string, extra: Record<string, unknown> = {}) =>
  dataSchema.parse({ source: 'folder', path: root, inputSize: 16, ...extra }, 'data');

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a missing dataset folder is refused, naming the path', async (t) => {
  const missing = path.join(tempDir(t), 'nowhere');
  await rejectsWith(scanDataset(folderCfg(missing), { seed: 1 }), new RegExp(`data\\.path: .*${missing}.* does not exist`));
  await rejectsWith(scanDataset(dataSchema.parse({ source: 'herlev', path: missing }, 'data'), { seed: 1 }), /Herlev not found at .*dresnet data import herlev/);
});

test('an empty class folder is refused, naming the folder', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 2]);
  fs.mkdirSync(path.join(root, 'c'));
  fs.writeFileSync(path.join(root, 'c', 'notes.txt'), 'not an image');
  await rejectsWith(scanDataset(folderCfg(root), { seed: 1 }), new RegExp(`class folder ${path.join(root, 'c')} holds no images`));
});

test('non-image files are ignored and counted', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 3]);
  fs.writeFileSync(path.join(root, 'a', 'Thumbs.db'), 'x');
  fs.writeFileSync(path.join(root, 'b', 'readme.txt'), 'x');
  fs.writeFileSync(path.join(root, 'labels.xlsx'), 'x');
  const ds = await loadDataset(folderCfg(root, { cache: false }), { seed: 1 });
  assert.deepEqual(ds.classes, ['a', 'b']);
  assert.deepEqual(classCounts(ds), [2, 3]);
  assert.equal(ds.ignoredFiles, 3);
  assert.equal(ds.images.count, 5);
});

test('a corrupt image stops the load naming the file; skipBad leaves it out and lists it', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [3, 3]);
  const bad = path.join(root, 'b', 'img1.png');
  fs.writeFileSync(bad, fs.readFileSync(bad).subarray(0, 40));
  const garbage = path.join(root, 'a', 'zz-garbage.jpg');
  fs.writeFileSync(garbage, 'this is not a jpeg');
  const cacheDir = path.join(root, '..', `${path.basename(root)}-cache`);
  t.after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  await rejectsWith(loadDataset(folderCfg(root), { seed: 1, cacheDir }), /(img1\.png|zz-garbage\.jpg): cannot read image: .*skipBad/);

  for (const pass of ['decode', 'cached']) {
    const ds = await loadDataset(folderCfg(root, { skipBad: true }), { seed: 1, cacheDir });
    assert.deepEqual(ds.skipped.map((s) => s.path), [garbage, bad], pass);
    assert.equal(ds.samples.length, 5, pass);
    assert.equal(ds.images.count, 5, pass);
    assert.ok(!ds.samples.some((s) => s.path === bad || s.path === garbage), pass);
    assert.deepEqual(classCounts(ds), [3, 2], pass);
  }
  // The cache remembers the bad files, but only a skipBad load may leave them out.
  await rejectsWith(loadDataset(folderCfg(root), { seed: 1, cacheDir }), /zz-garbage\.jpg: cannot read image: /);

  // A run's split manifest fixes its samples: a file that breaks later cannot be skipped.
  const good = await loadDataset(folderCfg(root, { skipBad: true }), { seed: 1, cacheDir });
  const manifest = path.join(root, '..', `${path.basename(root)}-split.json`);
  t.after(() => fs.rmSync(manifest, { force: true }));
  writeSplitManifest(manifest, good, makeSplits(good, { type: 'kfold', folds: 2, valFraction: 0.2 }, 1), 1);
  fs.writeFileSync(good.samples[0].path, 'broken later');
  const { dataset } = readSplitManifest(manifest);
  await rejectsWith(loadImages(dataset, folderCfg(root, { skipBad: true }), { cacheDir }), /img0\.png: cannot read image: .*the split manifest .*-split\.json lists it, so it cannot be skipped/);
});

test('a truncated BMP is a corrupt image, named in the error', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const root = tempDir(t);
  const [first, second] = herlevFiles(herlev, 'normal_columnar', 2);
  for (const cls of ['x', 'y']) fs.mkdirSync(path.join(root, cls));
  fs.copyFileSync(first, path.join(root, 'x', 'ok.BMP'));
  const truncated = path.join(root, 'y', 'cut.BMP');
  const bytes = fs.readFileSync(second);
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await rejectsWith(loadDataset(folderCfg(root, { cache: false }), { seed: 1 }), new RegExp(`${truncated}: cannot read image: invalid or truncated BMP`));
});

test('a Herlev task over fewer class folders than it needs names the missing classes', async (t) => {
  const root = tempDir(t);
  const six = ['normal_superficiel', 'normal_intermediate', 'normal_columnar', 'light_dysplastic', 'moderate_dysplastic', 'severe_dysplastic'];
  await writeFolderDataset(root, six, six.map(() => 1));
  for (const task of ['herlev7', 'herlev2']) {
    await rejectsWith(scanDataset(folderCfg(root, { task }), { seed: 1 }), new RegExp(`${task} needs the 7 Herlev classes, but .* lacks carcinoma_in_situ \\(found 6 class folders\\)`));
  }
  await writeFolderDataset(root, ['not_a_cell_class'], [1]);
  await rejectsWith(scanDataset(folderCfg(root, { task: 'herlev7' }), { seed: 1 }), /class "not_a_cell_class" \(in .*\) is not one of normal_superficiel/);
});

test('a CSV manifest lists images by path and class name', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 2]);
  const csv = path.join(root, 'list.csv');
  fs.writeFileSync(csv, 'path,label\na/img0.png,cat\n"b/img1.png",dog\nb/img0.png,cat\nb/notes.txt,dog\n');
  const ds = await loadDataset(dataSchema.parse({ source: 'csv', path: csv, inputSize: 16, cache: false }, 'data'), { seed: 1 });
  assert.deepEqual(ds.classes, ['cat', 'dog']);
  assert.deepEqual(ds.samples.map((s) => [path.relative(root, s.path), s.label]), [['a/img0.png', 0], ['b/img1.png', 1], ['b/img0.png', 0]]);
  assert.equal(ds.ignoredFiles, 1);
  fs.writeFileSync(csv, 'file,class\na/img0.png,cat\n');
  await rejectsWith(scanDataset(dataSchema.parse({ source: 'csv', path: csv }, 'data'), { seed: 1 }), /expected a header line with "path" and "label"/);
});

test('dresnet data info prints per-class counts and, with --skip-bad, the skipped files; errors are one line', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 3]);
  const bad = path.join(root, 'a', 'broken.png');
  fs.writeFileSync(bad, 'garbage');
  const config = path.join(root, 'run.yaml');
  fs.writeFileSync(config, `model: {name: dresnet}\ndata: {source: folder, path: ${root}, inputSize: 16, cache: false}\n`);
  const failed = runCli(['data', 'info', '--config', config]);
  assert.equal(failed.code, 2);
  assert.match(failed.stderr, new RegExp(`^dresnet: error: ${bad}: cannot read image: .*\\n$`));
  const ok = runCli(['data', 'info', '--config', config, '--skip-bad']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /0 {2}a +2\n +1 {2}b +3\n +total +5\nignored 1 non-image file/);
  assert.match(ok.stdout, new RegExp(`skipped 1 unreadable image\\(s\\):\\n  ${bad}: `));
  // Classes of 2 and 3 images cannot fill 5 stratified folds: reported (train refuses it).
  assert.match(ok.stdout, /\n5-fold stratified \(seed 42\): validation sizes 1, 1, 1, 1, 1\nproblem \(train refuses this\): data\.split\.folds: 5 stratified folds .*"a" has 2, "b" has 3\b.*\n$/);
  const missing = runCli(['data', 'info', '--config', config, '--set', `data.path=${root}/gone`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /data\.path: .*gone does not exist/);
});
