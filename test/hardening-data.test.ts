import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataSchema } from '../src/config/run-config';
import { classCounts, scanDataset } from '../src/data';
import { checkFoldsFit, foldsMisfits } from '../src/data/checks';
import { UserError } from '../src/util/errors';
import { runCliInProcess } from './helpers/in-process-cli';
import { tempDir, writeFolderDataset } from './fixtures/data';

/** The data problems of #16 that used to skew results silently; each case is set up first, then its new behaviour checked. */

const cfg = (extra: Record<string, unknown>) => dataSchema.parse({ inputSize: 32, cache: false, ...extra }, 'data');

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

function writeConfig(dir: string, data: Record<string, unknown>): string {
  const file = path.join(dir, 'run.yaml');
  fs.writeFileSync(file, JSON.stringify({ name: 'd', model: { name: 'dresnet', width: 0.25 }, data: { inputSize: 32, ...data }, runtime: { backend: 'cpu' } }));
  return file;
}

test('a CSV row listed twice is refused, naming both lines (it would sit in training and validation folds)', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 2]);
  const csv = path.join(root, 'list.csv');
  fs.writeFileSync(csv, 'path,label\na/img0.png,a\na/img1.png,a\nb/img0.png,b\nb/img1.png,b\n./a/img1.png,a\n');
  await rejectsWith(scanDataset(cfg({ source: 'csv', path: csv }), { seed: 1 }), /list\.csv:6: \.\/a\/img1\.png is listed again \(first on line 3\)/);
});

test('symbolic links are followed and counted: a linked class folder and linked images stay in the dataset', async (t) => {
  const root = tempDir(t);
  const elsewhere = tempDir(t);
  await writeFolderDataset(root, ['a'], [3]);
  await writeFolderDataset(elsewhere, ['b', 'c'], [3, 2]);
  fs.symlinkSync(path.join(elsewhere, 'b'), path.join(root, 'b'));
  fs.mkdirSync(path.join(root, 'c'));
  for (const f of fs.readdirSync(path.join(elsewhere, 'c'))) fs.symlinkSync(path.join(elsewhere, 'c', f), path.join(root, 'c', f));
  fs.symlinkSync(path.join(elsewhere, 'gone.png'), path.join(root, 'a', 'dangling.png'));
  const ds = await scanDataset(cfg({ source: 'folder', path: root }), { seed: 1 });
  assert.deepEqual(ds.classes, ['a', 'b', 'c']);
  assert.deepEqual(classCounts(ds), [3, 3, 2]);
  assert.ok(ds.findings?.some((f) => /followed 3 symbolic link/.test(f)), String(ds.findings));
  assert.ok(ds.findings?.some((f) => /ignored 1 broken symbolic link.*dangling\.png/.test(f)), String(ds.findings));
  const info = await runCliInProcess(['data', 'info', '--config', writeConfig(root, { source: 'folder', path: root, cache: false, split: { folds: 2 } })]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /followed 3 symbolic link/);
});

test('images in sub-folders of a class folder are counted and reported, not dropped silently', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [2, 2]);
  await writeFolderDataset(path.join(root, 'a'), ['train', 'extra'], [3, 1]);
  const ds = await scanDataset(cfg({ source: 'folder', path: root }), { seed: 1 });
  assert.deepEqual(classCounts(ds), [2, 2]);
  assert.ok(ds.findings?.some((f) => /not read: 4 image\(s\) in 2 sub-folder\(s\) of class folders/.test(f)), String(ds.findings));
  const info = await runCliInProcess(['data', 'info', '--config', writeConfig(root, { source: 'folder', path: root, cache: false, split: { folds: 2 } })]);
  assert.match(info.stdout, /not read: 4 image\(s\)/);
  // A class folder whose images all sit in sub-folders says where they are.
  fs.mkdirSync(path.join(root, 'c', 'deeper'), { recursive: true });
  fs.copyFileSync(path.join(root, 'a', 'img0.png'), path.join(root, 'c', 'deeper', 'x.png'));
  await rejectsWith(scanDataset(cfg({ source: 'folder', path: root }), { seed: 1 }), /class folder .*\/c holds no images .*its sub-folders hold 1, which are not read/);
});

test('a misspelt CSV label (a one-image class) is reported by data info', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['cat', 'dog'], [3, 3]);
  const csv = path.join(root, 'list.csv');
  fs.writeFileSync(csv, 'path,label\ncat/img0.png,cat\ncat/img1.png,cat\ndog/img0.png,dog\ndog/img1.png,dgo\ndog/img2.png,dog\n');
  const loose = await scanDataset(cfg({ source: 'csv', path: csv }), { seed: 1 });
  assert.deepEqual(loose.classes, ['cat', 'dgo', 'dog']);
  assert.ok(loose.findings?.some((f) => /"dgo" appear on one row only/.test(f)));
  const info = await runCliInProcess(['data', 'info', '--config', writeConfig(root, { source: 'csv', path: csv, cache: false, split: { folds: 2 } })]);
  assert.match(info.stdout, /label\(s\) "dgo" appear on one row only/);
  // ... and the split that cannot validate on it is the error train gives.
  assert.match(info.stdout, /problem \(train refuses this\): .*"dgo" has 1/);
});

test('one class is refused by train before any run folder exists, and reported by data info', async (t) => {
  const root = tempDir(t);
  await writeFolderDataset(root, ['only'], [4]);
  const out = path.join(root, 'runs');
  const config = writeConfig(root, { source: 'folder', path: root, cache: false, split: { folds: 2 } });
  const res = await runCliInProcess(['train', '-c', config, '--out', out]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /only one class \("only"\); a classifier needs at least 2/);
  assert.ok(!fs.existsSync(out), 'no run folder');
  const info = await runCliInProcess(['data', 'info', '--config', config]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /problem \(train refuses this\): data: .* has only one class/);
});

test('folds larger than the smallest class: train refuses before a run folder exists, data info reports it', async (t) => {
  assert.deepEqual(foldsMisfits([10, 3, 5], ['a', 'b', 'c'], { type: 'kfold', folds: 5, valFraction: 0.2 }), ['"b" has 3']);
  assert.deepEqual(foldsMisfits([10, 1], ['a', 'b'], { type: 'holdout', folds: 5, valFraction: 0.2 }), ['"b" has 1']);
  assert.throws(() => checkFoldsFit([6, 4], ['a', 'b'], { type: 'kfold', folds: 5, valFraction: 0.2 }), /5 stratified folds need at least 5 images of every class.*"b" has 4 \(use at most 4 folds/);
  checkFoldsFit([5, 5], ['a', 'b'], { type: 'kfold', folds: 5, valFraction: 0.2 });
  const root = tempDir(t);
  await writeFolderDataset(root, ['a', 'b'], [6, 3]);
  const config = writeConfig(root, { source: 'folder', path: root, cache: false, split: { folds: 5 } });
  const out = path.join(root, 'runs');
  const res = await runCliInProcess(['train', '-c', config, '--out', out]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /data\.split\.folds: 5 stratified folds .*"b" has 3/);
  assert.ok(!fs.existsSync(out), 'no run folder');
  const info = await runCliInProcess(['data', 'info', '--config', config]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /problem \(train refuses this\): data\.split\.folds: 5 stratified folds/);
});
