// src/measure: one definition of each figure, used by `dresnet bench` and by
// the suites' probe alike.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createModel, modelStats } from '../src/models';
import { defaultRunConfig } from '../src/config/load';
import { PairedMeasurement, speedClaim, timeRuns } from '../src/measure';
import { measureInChild } from '../src/suite/probe';
import { runCli } from './helpers/cli';

test('timeRuns: warm-up untimed, at least runs, more up to maxRuns only within the budget', () => {
  let calls = 0;
  const count = () => { calls++; };
  assert.equal(timeRuns(count, { warmup: 2, runs: 3 }).length, 3);
  assert.equal(calls, 5);
  assert.equal(timeRuns(count, { warmup: 0, runs: 2, maxRuns: 7, budgetMs: 60_000 }).length, 7);
  const slow = () => { const end = performance.now() + 5; while (performance.now() < end); };
  assert.equal(timeRuns(slow, { warmup: 0, runs: 2, maxRuns: 50, budgetMs: 1 }).length, 2, 'the budget is spent by the first runs');
});

test('resetPeakRss lowers VmHWM to the current RSS, so that a later peak leaves out what ran before', () => {
  const script = [
    `const { peakRssBytes, resetPeakRss } = require(${JSON.stringify(path.resolve(__dirname, '..', 'src', 'measure', 'memory.js'))});`,
    'let big = Buffer.alloc(400e6, 1); big = undefined; global.gc();',
    // V8 frees large backing stores on a background thread: give it a moment before reading.
    'setTimeout(() => { global.gc(); const before = peakRssBytes(); const reset = resetPeakRss();',
    '  console.log(JSON.stringify({ before, reset, after: peakRssBytes() })); }, 1000);',
  ].join('\n');
  const res = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const { before, reset, after } = JSON.parse(res.stdout.trim().split('\n').pop()!) as { before: number; reset: boolean; after: number };
  assert.ok(reset, 'the kernel took clear_refs 5');
  assert.ok(before > 400e6 && after < before - 300e6, `VmHWM ${before / 1e6} MB before the reset, ${after / 1e6} MB after`);
});

test('dresnet bench and a suite probe on the same model, input and threads report the same latency and peak tensor bytes', async () => {
  const [model, size, classes, batch, threads] = ['dresnet', 32, 4, 2, 1];
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-measure-')), 'bench.csv');
  // A python without PyTorch: bench says so and goes on without the baseline.
  const bench = runCli(['bench', model, '--backend', 'auto', '--size', String(size), '--batch', String(batch), '--classes', String(classes),
    '--threads', String(threads), '--warmup', '1', '--steps', '3', '--latency-runs', '20', '--latency-warmup', '20',
    '--python', '/nonexistent/python3', '--out', out], { timeoutMs: 300_000 });
  assert.equal(bench.code, 0, bench.stderr);
  assert.match(bench.stdout, /PyTorch baseline not run: \/nonexistent\/python3 cannot import torch and torchvision/);
  assert.match(bench.stdout, /latency ms \(b=1, BN folded\).*peak tensors MiB \((ATen|tf\.profile), train step\) \| peak RSS MiB \(VmHWM\)/);
  const [header, line] = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
  const row = Object.fromEntries(header.map((k, i) => [k, Number(line[i])]));

  // The run config whose training step is bench's: SGD at its defaults without weight decay, cross-entropy.
  const config = defaultRunConfig([`model.name=${model}`, `train.batchSize=${batch}`, 'train.optimizer.weightDecay=0', 'train.loss.type=ce',
    'runtime.backend=auto', `runtime.threads=${threads}`]);
  const probe = await measureInChild({ model: config.model, numClasses: classes, inputSize: size, train: config.train, runtime: config.runtime,
    timing: { warmup: 20, minRepeats: 20 } });

  // Tensor bytes are counted, not timed: equal up to the probe's rounding to 0.1 MB.
  assert.ok(Math.abs(row.peak_tensor_mib * 2 ** 20 - probe.peak_tensor_train_mb * 1e6) <= 0.05e6 + 1,
    `peak tensors of a training step: bench ${row.peak_tensor_mib} MiB, probe ${probe.peak_tensor_train_mb} MB`);
  // Two processes on a shared machine: the same figure within a factor that its load swings by.
  const ratio = row.latency_ms / probe.latency_ms;
  assert.ok(ratio > 0.5 && ratio < 2, `batch-1 latency: bench ${row.latency_ms} ms, probe ${probe.latency_ms} ms`);
});

test('dresnet bench with mobilenet_v2 in the run: every model\'s training MACs per second against it, round by round, from the built models\' MACs', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-measure-')), 'bench.csv');
  const bench = runCli(['bench', 'dresnet', 'mobilenet_v2', '--backend', 'auto', '--size', '32', '--batch', '2', '--classes', '4', '--threads', '1',
    '--warmup', '0', '--steps', '1', '--latency-runs', '1', '--latency-warmup', '0', '--rounds', '2', '--no-pytorch', '--out', out], { timeoutMs: 300_000 });
  assert.equal(bench.code, 0, bench.stderr);
  const [header, ...lines] = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
  const rows = Object.fromEntries(lines.map((l) => [l[0], Object.fromEntries(header.map((k, i) => [k, l[i]]))]));
  const gmacs = (model: string) => createModel(model, { numClasses: 4, inputSize: 32 });
  for (const model of ['dresnet', 'mobilenet_v2']) {
    const built = gmacs(model);
    assert.ok(Math.abs(Number(rows[model].gmacs) - modelStats(built).macs / 1e9) < 1e-9, `${model}: gmacs ${rows[model].gmacs}`);
    built.dispose();
  }
  assert.equal(Number(rows.mobilenet_v2.mac_speed_vs_reference), 1);
  const speed = Number(rows.dresnet.mac_speed_vs_reference);
  const expected = (Number(rows.dresnet.train_img_s) * Number(rows.dresnet.gmacs)) / (Number(rows.mobilenet_v2.train_img_s) * Number(rows.mobilenet_v2.gmacs));
  assert.ok(speed > 0 && Number.isFinite(speed), `dresnet against mobilenet_v2 per MAC: ${speed}`);
  // The CSV holds medians over rounds, of each round's ratio: one round's ratio of medians need not equal it, but two rounds' must bracket it.
  assert.ok(speed > expected / 3 && speed < expected * 3, `median of the rounds' ratios ${speed}, ratio of the medians ${expected}`);
  const line = bench.stdout.match(/^dresnet \(([\d.]+) GMACs\/img\): ([\d.]+)x \(rounds: ([\d.]+), ([\d.]+)\)$/m);
  assert.ok(line, `the per-MAC line for dresnet:\n${bench.stdout}`);
  assert.match(bench.stdout, /training MACs per second against mobilenet_v2's \([\d.]+ GMACs\/img\) in the same round:/);
  assert.ok(Math.abs(Number(line[2]) - speed) < 0.006, `printed ${line[2]}, CSV ${speed}`);
});

function blocksOf(ratios: number[]): PairedMeasurement {
  // Block k: the reference takes 100 ms, the model 100 / ratio (so that its img/s is ratio × the reference's); ABBA order.
  return {
    blocks: ratios.map((r, k) => ({ aMs: 100 / r, bMs: 100, aFirst: (k + 1) % 4 < 2 })),
    stepsPerBlock: 1, batchSize: 2, aMacs: 3e8, bMacs: 2e8, aMode: 'replaying', bMode: 'replaying',
  };
}

test('speedClaim: the geometric mean of the blocks\' img/s ratios with a t interval, decided against the target', () => {
  const ratios = [0.74, 0.70, 0.78, 0.72, 0.76, 0.73];
  const claim = speedClaim(blocksOf(ratios), 0.6);
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((s, x) => s + x, 0) / logs.length;
  assert.ok(Math.abs(claim.ratio - Math.exp(mean)) < 1e-12, `geometric mean ${claim.ratio}`);
  // t(0.975, 5) = 2.5706: the interval is exp(mean ± t·sd/√n), whatever the target.
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (logs.length - 1));
  const half = 2.5706 * sd / Math.sqrt(logs.length);
  assert.ok(Math.abs(claim.ci[0] - Math.exp(mean - half)) < 1e-4 && Math.abs(claim.ci[1] - Math.exp(mean + half)) < 1e-4, `CI ${claim.ci}`);
  assert.equal(claim.decision.verdict, 'holds');
  assert.equal(speedClaim(blocksOf(ratios), 0.9).decision.verdict, 'contradicted');
  const edge = speedClaim(blocksOf(ratios), Math.exp(mean));
  assert.equal(edge.decision.verdict, 'inconclusive');
  assert.ok(edge.decision.p > 0.99, `a target at the mean: p ${edge.decision.p}`);
  assert.throws(() => speedClaim(blocksOf([0.7]), 0.6), /at least 2 blocks/);
});

test('dresnet bench --paired: each model and the reference trained in one process, blocks interleaved ABBA, the claim decided over the blocks', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-paired-')), 'paired.csv');
  const args = (blocks: number) => ['bench', 'dresnet', 'mobilenet_v2', '--paired', 'mobilenet_v2', '--size', '32', '--batch', '2', '--classes', '4',
    '--threads', '1', '--warmup', '0', '--steps', '2', '--blocks', String(blocks), '--compile'];
  const chart = path.join(path.dirname(out), 'paired');
  const bench = runCli([...args(4), '--mac-ratio', '1.44', '--out', out, '--chart', chart], { timeoutMs: 300_000 });
  assert.equal(bench.code, 0, bench.stderr);
  const [header, ...lines] = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
  const rows = lines.map((l) => Object.fromEntries(header.map((k, i) => [k, l[i]])));
  assert.deepEqual(rows.map((r) => `${r.model}/${r.block}/${r.model_first}`), [
    'dresnet/0/true', 'dresnet/1/false', 'dresnet/2/false', 'dresnet/3/true',
    'mobilenet_v2/0/true', 'mobilenet_v2/1/false', 'mobilenet_v2/2/false', 'mobilenet_v2/3/true',
  ]);
  assert.match(bench.stdout, /gradient passes: dresnet replaying, mobilenet_v2 replaying; mobilenet_v2 replaying, mobilenet_v2 replaying;/);
  for (const model of ['dresnet', 'mobilenet_v2']) {
    const own = rows.filter((r) => r.model === model);
    assert.ok(own.every((r) => Math.abs(Number(r.img_s_ratio) - Number(r.reference_ms) / Number(r.model_ms)) < 1e-9), `${model}: ratio = reference ms / model ms`);
    const geo = Math.exp(own.reduce((s, r) => s + Math.log(Number(r.img_s_ratio)), 0) / own.length);
    const line = bench.stdout.match(new RegExp(`^${model}: ([\\d.]+)x mobilenet_v2's img/s \\(95% CI ([\\d.]+)-([\\d.]+);.*; ([\\d.]+)x its MACs`, 'm'));
    assert.ok(line, `${model}'s line:\n${bench.stdout}`);
    assert.ok(Math.abs(Number(line[1]) - geo) < 0.0006, `${model}: printed ${line[1]}, geometric mean of the CSV's blocks ${geo}`);
    assert.ok(Number(line[2]) <= Number(line[1]) && Number(line[1]) <= Number(line[3]), `the CI brackets the ratio: ${line[0]}`);
  }
  const built = (m: string) => { const model = createModel(m, { numClasses: 4, inputSize: 32 }); const macs = modelStats(model).macs; model.dispose(); return macs; };
  const macRatio = built('dresnet') / built('mobilenet_v2');
  assert.match(bench.stdout, new RegExp(`^dresnet: .*; ${macRatio.toFixed(3)}x its MACs`, 'm'));
  assert.match(bench.stdout, /^mobilenet_v2: .*; 1\.000x its MACs/m);
  assert.match(bench.stdout, /^ {2}claim: img\/s >= mobilenet_v2's \/ 1\.440 \(--mac-ratio\), i\.e\. >= 0\.694x: (holds|contradicted|inconclusive) \(p = /m);
  const svg = fs.readFileSync(`${chart}.svg`, 'utf8');
  for (const label of ['dresnet', "dresnet's target", 'mobilenet_v2 (A/A)']) assert.ok(svg.includes(`>${label}<`), `the chart's legend names ${label}`);
  assert.deepEqual([...fs.readFileSync(`${chart}.png`).subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  const [, claimLine, control] = bench.stdout.split(/^(?=dresnet: |mobilenet_v2: )/m);
  assert.match(claimLine, /\n {2}claim: /);
  assert.match(control, /\n {2}A\/A control: the CI (holds 1|misses 1)/, 'the reference against itself is the A/A control, with no claim');

  const one = runCli(args(1));
  assert.equal(one.code, 2);
  assert.equal(one.stderr.trim(), 'dresnet: error: --blocks: at least 2 with --paired, got 1');
  const zero = runCli([...args(4), '--mac-ratio', '0']);
  assert.notEqual(zero.code, 0);
  assert.match(zero.stderr.trim(), /--mac-ratio: expected a positive number, got "0"$/);
  const unknown = runCli(['bench', 'dresnet', '--paired', 'nosuchnet', '--no-pytorch']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /nosuchnet/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
});
