import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadRunConfig } from '../src/config/load';
import { readCsv } from '../src/util/csv';
import { packageRoot } from '../src/util/files';
import { resumeRun, trainRun } from '../src/train/trainer';
import { TIMING_COLUMNS } from '../src/train/run-outputs';
import { readState } from '../src/train/checkpoint';
import { runCli } from './helpers/cli';
import { formatDuration } from '../src/train/progress';

/**
 * The trainer's mechanics on a tiny DResNet (width 0.125, 32x32) and a tiny
 * synthetic set: 24 training images, 3 steps an epoch, on the cpu backend.
 * Accuracy is not the point here (see train-accuracy.test.ts).
 */
const TINY = [
  'runtime.backend=cpu',
  'model.width=0.125',
  'data.inputSize=32',
  'data.synthetic.classes=4',
  'data.synthetic.perClass=8',
  'data.synthetic.imageSize=32',
  'train.batchSize=8',
  'train.epochs=2',
  'train.fold=0',
];

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-train-'));
const quickstart = path.join(packageRoot(), 'configs', 'quickstart.yaml');
const config = (extra: string[] = []) => loadRunConfig(quickstart, [...TINY, `runtime.outDir=${tmpRoot}`, ...extra]);
const silent = { progress: 'silent' as const };

function metricsWithoutTiming(runDir: string): Record<string, string>[] {
  return readCsv(path.join(runDir, 'metrics.csv')).map((row) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !TIMING_COLUMNS.includes(k))));
}

let reference: string;

test('a run writes its folder: config, split manifest, metrics.csv, checkpoints, report', async () => {
  const before = tf.memory().numTensors;
  const run = await trainRun(config(), { ...silent, runDir: path.join(tmpRoot, 'reference') });
  reference = run.runDir;
  assert.equal(run.status, 'completed');
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind by a run');
  for (const f of ['config.yaml', 'split.json', 'metrics.csv', 'confusion.csv', 'per_class.csv', 'report.json',
    'best/model.json', 'best/weights.bin', 'best/optimizer.bin', 'last/state.json']) {
    assert.ok(fs.existsSync(path.join(reference, f)), `${f} written`);
  }
  const rows = readCsv(path.join(reference, 'metrics.csv'));
  assert.deepEqual(rows.map((r) => r.epoch), ['1', '2']);
  assert.deepEqual(rows.map((r) => r.step), ['3', '6']);
  for (const r of rows) assert.ok(Number(r.train_loss) > 0 && Number(r.val_top1) >= 0 && Number(r.val_top1) <= 1);
  const report = JSON.parse(fs.readFileSync(path.join(reference, 'report.json'), 'utf8'));
  assert.equal(report.backend, 'cpu');
  assert.equal(report.seed, 42);
  assert.ok(report.packages['@tensorflow/tfjs-core']);
  assert.ok(report.machine.cores >= 1);
  assert.equal(readState(path.join(reference, 'last')).epoch, 2);
});

test('same seed and backend: identical metrics.csv apart from the timing columns', async () => {
  const again = await trainRun(config(), { ...silent, runDir: path.join(tmpRoot, 'again') });
  assert.deepEqual(metricsWithoutTiming(again.runDir), metricsWithoutTiming(reference));
});

test('stopped after epoch 1, then resumed: ends with the same metrics as the uninterrupted run', async () => {
  const stopped = await trainRun(config(), { ...silent, runDir: path.join(tmpRoot, 'stopped'), stopAfterEpoch: 1 });
  assert.equal(stopped.status, 'interrupted');
  assert.equal(readCsv(path.join(stopped.runDir, 'metrics.csv')).length, 1);
  const resumed = await resumeRun(stopped.runDir, silent);
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(metricsWithoutTiming(resumed.runDir), metricsWithoutTiming(reference));
});

test('interrupted mid-epoch (as by SIGINT), then resumed: same metrics as the uninterrupted run', async () => {
  let checks = 0;
  // The trainer looks at the flag before each step: stop before the 5th (epoch 2, batch 2).
  const interrupt = { get stop() { return ++checks > 4; } };
  const cut = await trainRun(config(), { ...silent, runDir: path.join(tmpRoot, 'cut'), interrupt });
  assert.equal(cut.status, 'interrupted');
  const state = readState(path.join(cut.runDir, 'last'));
  assert.deepEqual([state.epoch, state.batchInEpoch, state.step], [1, 1, 4]);
  const resumed = await resumeRun(cut.runDir, silent);
  assert.deepEqual(metricsWithoutTiming(resumed.runDir), metricsWithoutTiming(reference));
});

test('a NaN/Inf loss stops the run with a message and keeps the last good checkpoint', async () => {
  const run = await trainRun(config(), { ...silent, runDir: path.join(tmpRoot, 'diverge'), stopAfterEpoch: 1 });
  const lastBefore = fs.readFileSync(path.join(run.runDir, 'last', 'weights.bin'));
  // An absurd learning rate for the rest of the run (resume reads the run's own config.yaml).
  const file = path.join(run.runDir, 'config.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/lr: [\d.e-]+/, 'lr: 1.0e+30'));
  await assert.rejects(resumeRun(run.runDir, silent), /training loss became (NaN|Infinity|-Infinity).*last good checkpoint/);
  assert.deepEqual(fs.readFileSync(path.join(run.runDir, 'last', 'weights.bin')), lastBefore);
  assert.equal(readState(path.join(run.runDir, 'last')).epoch, 1);
});

test('--fold all: one folder per fold, folds.csv with each fold and the mean and std', async () => {
  const run = await trainRun(config(['train.epochs=1', 'data.split.type=kfold', 'data.split.folds=2']), {
    ...silent, runDir: path.join(tmpRoot, 'folds'), fold: 'all',
  });
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.folds.map((f) => f.fold), [0, 1]);
  for (const f of [0, 1]) assert.ok(fs.existsSync(path.join(run.runDir, `fold-${f}`, 'metrics.csv')));
  const rows = readCsv(path.join(run.runDir, 'folds.csv'));
  assert.deepEqual(rows.map((r) => r.fold), ['0', '1', 'mean', 'std']);
  const tops = run.folds.map((f) => f.final!.top1);
  assert.ok(Math.abs(Number(rows[2].val_top1) - (tops[0] + tops[1]) / 2) < 1e-12);
  assert.ok(Math.abs(run.summary.val_top1.std - Math.abs(tops[0] - tops[1]) / Math.SQRT2) < 1e-12);
});

test('dresnet eval re-evaluates best/ on its own split and reproduces the best epoch\'s val top-1', () => {
  const rows = readCsv(path.join(reference, 'metrics.csv'));
  const best = readState(path.join(reference, 'best'));
  const expected = Number(rows[best.epoch - 1].val_top1);
  const res = runCli(['eval', '--run', reference, '--checkpoint', 'best', '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  const m = /fold 0: top-1 ([\d.]+)%/.exec(res.stdout);
  assert.ok(m, res.stdout);
  assert.ok(Math.abs(Number(m![1]) - 100 * expected) < 0.01, `${m![1]} vs ${100 * expected}`);
  assert.ok(fs.existsSync(path.join(reference, 'eval-best', 'report.json')));
  assert.ok(fs.existsSync(path.join(reference, 'eval-best', 'fold-0-confusion.csv')));
});

test('dresnet eval defaults to last/, says best/ is optimistic on its own split, and writes predictions.csv that reproduces its metrics', () => {
  const best = runCli(['eval', '--run', reference, '--checkpoint', 'best', '--quiet']);
  assert.match(best.stdout, /note: best\/ was selected on these same validation folds/);
  const res = runCli(['eval', '--run', reference, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stdout, /note:/);
  const dir = path.join(reference, 'eval-last');
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  assert.equal(report.checkpoint, 'last');
  const predictions = readCsv(path.join(dir, 'predictions.csv'));
  const fold = report.folds[0];
  assert.equal(predictions.length, fold.metrics.n);
  const classes = Object.keys(predictions[0]).filter((c) => c.startsWith('p_') && c !== 'p_abnormal').map((c) => c.slice(2));
  // Recomputed from the rows: top-1 and the confusion matrix (rows true, columns predicted).
  const correct = predictions.filter((r) => r.true_class === r.predicted_class).length;
  assert.ok(Math.abs(correct / predictions.length - fold.metrics.top1) < 1e-12);
  const confusion = classes.map((t) => classes.map((p) => predictions.filter((r) => r.true_class === t && r.predicted_class === p).length));
  assert.deepEqual(confusion, fold.metrics.confusion);
  for (const r of predictions) {
    const probs = classes.map((c) => Number(r[`p_${c}`]));
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(r.predicted_class, classes[probs.indexOf(Math.max(...probs))]);
  }
});

test('train CLI: bad user input gives one line naming what was expected', () => {
  const noConfig = runCli(['train']);
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, /expected --config/);
  const badFold = runCli(['train', '-c', quickstart, '--fold', 'x']);
  assert.notEqual(badFold.code, 0);
  assert.match(badFold.stderr, /fold index/);
  const both = runCli(['train', '--resume', reference, '-c', quickstart]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--resume continues a run with its own config/);
  const outOfRange = runCli(['train', '-c', quickstart, ...TINY.flatMap((s) => ['--set', s]), '--fold', '7', '--out', tmpRoot]);
  assert.equal(outOfRange.code, 2);
  assert.match(outOfRange.stderr, /train\.fold: expected a fold index below 1/);
});

test('train prints a start line (backend, device, threads, images, classes, split) and epoch lines with a duration and the fold ETA', () => {
  const res = runCli(['train', '-c', quickstart, ...TINY.flatMap((s) => ['--set', s]), '--out', tmpRoot]);
  assert.equal(res.code, 0, res.stderr);
  // 4 classes x 8 images; the quick start holds out a fifth of each class (2) for validation.
  assert.match(res.stderr, /^start: backend cpu, device cpu, 1 thread; data: 32 images, 4 classes, split: holdout of 8 validation images$/m);
  const epochLines = res.stderr.split('\n').filter((l) => /^fold 0 epoch \d: val loss/.test(l));
  assert.equal(epochLines.length, 2, res.stderr);
  assert.match(epochLines[0], /; epoch \d+\.\d s, fold ETA \d+\.\d s$/);
  // The ETA of the last epoch is zero: nothing is left of the fold.
  assert.match(epochLines[1], /; epoch \d+\.\d s, fold ETA 0\.0 s$/);
});

test('durations on progress lines: seconds, then minutes, then hours', () => {
  assert.equal(formatDuration(7.25), '7.3 s');
  assert.equal(formatDuration(125), '2 min 05 s');
  assert.equal(formatDuration(3 * 3600 + 7 * 60 + 40), '3 h 07 min');
});
