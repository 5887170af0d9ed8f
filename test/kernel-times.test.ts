import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { timeKernels } from '../src/backend/kernel_times';
import { runCli } from './helpers/cli';

test('timeKernels counts each kernel call of the run and restores the original kernels', async () => {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 1 });
  const original = tf.getKernel('Multiply', 'cpu')!.kernelFunc;
  const a = tf.tensor1d([1, 2, 3]);
  const { kernels, totalMs } = timeKernels('cpu', () => {
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.add(tf.mul(a, a), a).dataSync());
  });
  a.dispose();
  const calls = Object.fromEntries(kernels.map((k) => [k.kernel, k.calls]));
  assert.deepEqual(calls, { Multiply: 3, Add: 3 });
  assert.ok(kernels.every((k) => k.ms >= 0) && kernels.reduce((s, k) => s + k.ms, 0) <= totalMs);
  assert.equal(tf.getKernel('Multiply', 'cpu')!.kernelFunc, original);
});

test('dresnet bench --kernels lists the slowest kernels of a training step', () => {
  const r = runCli(['bench', 'resnet18', '--backend', 'cpu', '--size', '32', '--batch', '2', '--classes', '4', '--warmup', '0',
    '--steps', '1', '--latency-runs', '1', '--no-pytorch', '--kernels', '3']);
  assert.equal(r.code, 0, r.stderr);
  const header = r.stdout.match(/resnet18: a training step takes [\d.]+ ms; (\d+) kernel calls spend [\d.]+ ms/);
  assert.ok(header, r.stdout);
  assert.ok(Number(header[1]) > 100, `a resnet18 step runs more than 100 kernels, got ${header[1]}`);
  const rows = r.stdout.slice(header.index).split('\n').filter((l) => /^\| \w+ \| \d+ \|/.test(l));
  assert.equal(rows.length, 3, r.stdout);
  assert.ok(rows.some((l) => l.startsWith('| Conv2D')), `a convolution kernel is among the slowest three:\n${rows.join('\n')}`);
});

test('dresnet bench --rounds 2 measures each model twice and reports the medians, with each round listed', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-bench-')), 'bench.csv');
  const r = runCli(['bench', 'resnet18', '--backend', 'cpu', '--size', '32', '--batch', '2', '--classes', '4', '--warmup', '0',
    '--steps', '1', '--latency-runs', '1', '--latency-warmup', '0', '--no-pytorch', '--rounds', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.match(/cpu resnet18: [\d.]+ img\/s/g)?.length, 2, r.stderr);
  assert.match(r.stdout, /medians of 2 rounds/);
  assert.match(r.stdout, /resnet18, each round: training ratio –, –; latency ratio –, –/);
  const csv = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(csv.length, 2, 'a header and one row for the one model');
});
