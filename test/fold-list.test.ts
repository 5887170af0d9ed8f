/**
 * train.fold as a list (--fold 0,2): those folds only, one folder each, and
 * folds.csv with their mean ± std; a fold out of range or listed twice is a
 * one-line error before anything trains.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRunConfig } from '../src/config/load';
import { packageRoot } from '../src/util/files';
import { readCsv } from '../src/util/csv';
import { trainRun } from '../src/train/trainer';
import { tempDir } from './fixtures/data';

const TINY = [
  'runtime.backend=cpu', 'model.width=0.125', 'data.inputSize=32', 'data.synthetic.classes=4', 'data.synthetic.perClass=6',
  'data.synthetic.imageSize=32', 'train.batchSize=8', 'train.epochs=1', 'data.split.type=kfold', 'data.split.folds=3',
];

test('--fold 0,2 trains folds 0 and 2, writes a folder each and their mean ± std', async (t) => {
  const dir = tempDir(t);
  const config = loadRunConfig(path.join(packageRoot(), 'configs', 'quickstart.yaml'), [...TINY, `runtime.outDir=${dir}`, 'train.fold=[0, 2]']);
  const run = await trainRun(config, { progress: 'silent', runDir: path.join(dir, 'run') });
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.folds.map((f) => f.fold), [0, 2]);
  for (const f of [0, 2]) assert.ok(fs.existsSync(path.join(run.runDir, `fold-${f}`, 'metrics.csv')));
  assert.equal(fs.existsSync(path.join(run.runDir, 'fold-1')), false);
  const rows = readCsv(path.join(run.runDir, 'folds.csv'));
  assert.deepEqual(rows.map((r) => r.fold), ['0', '2', 'mean', 'std']);
  const tops = run.folds.map((f) => f.final!.top1);
  assert.ok(Math.abs(Number(rows[2].val_top1) - (tops[0] + tops[1]) / 2) < 1e-12);
});

test('a fold list out of range or with a fold twice is refused before training', async (t) => {
  const dir = tempDir(t);
  const load = (fold: string) => loadRunConfig(path.join(packageRoot(), 'configs', 'quickstart.yaml'), [...TINY, `runtime.outDir=${dir}`, `train.fold=${fold}`]);
  await assert.rejects(trainRun(load('[0, 3]'), { progress: 'silent' }), /train\.fold: expected a fold index below 3 or "all", got 3/);
  await assert.rejects(trainRun(load('[1, 1]'), { progress: 'silent' }), /train\.fold: fold 1 is listed twice/);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => !n.startsWith('.')), [], 'no run folder was made');
});
