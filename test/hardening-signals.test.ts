import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCsv } from '../src/util/csv';
import { packageRoot } from '../src/util/files';
import { readState } from '../src/train/checkpoint';
import { TIMING_COLUMNS } from '../src/train/run-outputs';
import { runCli } from './helpers/cli';
import { tempDir } from './fixtures/data';

/**
 * Ctrl-C and SIGTERM on a real `dresnet train` process (#16): the quick
 * start's DResNet at 32 px on the cpu backend (deterministic, so a resumed
 * run can be compared with an uninterrupted one), 8 steps an epoch of about
 * 0.3 s each, 2 epochs.
 */
const CLI = path.resolve(__dirname, '..', 'src', 'cli', 'run.js');
const QUICKSTART = path.join(packageRoot(), 'configs', 'quickstart.yaml');
const SETS = ['runtime.backend=cpu', 'train.epochs=2'];

interface Running {
  /** Resolves with the exit code and the time it came, once the process ends. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr: () => string;
  /** Resolves when stderr has printed a line matching `re`. */
  waitFor: (re: RegExp) => Promise<void>;
  kill: (sig: NodeJS.Signals) => void;
}

function startTrain(out: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [CLI, 'train', '-c', QUICKSTART, ...SETS.flatMap((s) => ['--set', s]), '--out', out, '--quiet'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters.filter((x) => x.re.test(err))) w.resolve();
  });
  child.stdout.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return {
    exit,
    stderr: () => err,
    waitFor: (re) => new Promise((resolve) => (re.test(err) ? resolve() : waiters.push({ re, resolve }))),
    kill: (sig) => child.kill(sig),
  };
}

const runDirOf = (out: string): string => {
  const dirs = fs.readdirSync(out).filter((d) => d.startsWith('quickstart-'));
  assert.equal(dirs.length, 1, `one run folder in ${out}: ${dirs}`);
  return path.join(out, dirs[0]);
};

function metricsWithoutTiming(runDir: string): Record<string, string>[] {
  return readCsv(path.join(runDir, 'metrics.csv')).map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !TIMING_COLUMNS.includes(k))));
}

/** Seconds per training step of the run's first epoch, from its metrics.csv. */
function stepSeconds(runDir: string): number {
  const [first] = readCsv(path.join(runDir, 'metrics.csv'));
  return Number(first.seconds) / Number(first.step);
}

test('SIGINT 2 s into a 32 px epoch: exit 130 within 2 s plus one step, last/ inside the epoch; resume gives the uninterrupted metrics', async (t) => {
  const root = tempDir(t, 'dresnet-signal-');
  const env = { DRESNET_CACHE: path.join(root, 'cache') };
  const refOut = path.join(root, 'reference');
  const ref = runCli(['train', '-c', QUICKSTART, ...SETS.flatMap((s) => ['--set', s]), '--out', refOut, '--quiet'], { env, timeoutMs: 300_000 });
  assert.equal(ref.code, 0, ref.stderr);
  assert.doesNotMatch(ref.stderr, /tfjs-node|Hi, looks like you are running TensorFlow\.js/, 'no tfjs-node banner');
  const step = stepSeconds(runDirOf(refOut));

  const out = path.join(root, 'cut');
  const run = startTrain(out, env);
  await run.waitFor(/run folder: /);
  await new Promise((r) => setTimeout(r, 2000));
  const sentAt = Date.now();
  run.kill('SIGINT');
  const { code, at } = await run.exit;
  const seconds = (at - sentAt) / 1000;
  assert.equal(code, 130, run.stderr());
  assert.match(run.stderr(), /SIGINT: saving a checkpoint after this step/);
  const runDir = runDirOf(out);
  const state = readState(path.join(runDir, 'last'));
  // Inside the first epoch (at its first step when this machine is slow enough that none was done in 2 s).
  assert.ok(state.epoch === 0 && state.batchInEpoch === state.step && state.step < 8, `stopped inside epoch 1 (epoch ${state.epoch}, step ${state.step})`);
  // "One step": the longer of the reference run's mean step and this run's own (its steps so far,
  // the one in flight at the signal included); this machine's load makes a step 0.3-5 s.
  const ownStep = state.partial.seconds / Math.max(1, state.batchInEpoch);
  const oneStep = Math.max(step, ownStep);
  assert.ok(seconds < 2 + oneStep, `exited ${seconds.toFixed(2)} s after SIGINT; one step takes ${oneStep.toFixed(2)} s`);
  t.diagnostic(`exit ${seconds.toFixed(2)} s after SIGINT; a step ${step.toFixed(2)} s (reference), ${ownStep.toFixed(2)} s (this run)`);

  const resumed = runCli(['train', '--resume', runDir, '--quiet'], { env, timeoutMs: 300_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(metricsWithoutTiming(runDir), metricsWithoutTiming(runDirOf(refOut)));
});

test('SIGTERM exits 143; a second SIGTERM quits at once and the last good checkpoint still resumes to the end', async (t) => {
  const root = tempDir(t, 'dresnet-signal-');
  const env = { DRESNET_CACHE: path.join(root, 'cache') };
  const out = path.join(root, 'term');
  const run = startTrain(out, env);
  // After epoch 1 is validated and saved, the second epoch is under way.
  await run.waitFor(/fold 0 epoch 1: val loss/);
  await new Promise((r) => setTimeout(r, 500));
  run.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 20));
  run.kill('SIGTERM');
  const { code } = await run.exit;
  assert.equal(code, 143, run.stderr());
  const runDir = runDirOf(out);
  assert.ok(readState(path.join(runDir, 'last')).epoch >= 1, 'last/ holds at least epoch 1');
  const resumed = runCli(['train', '--resume', runDir, '--quiet'], { env, timeoutMs: 300_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(readCsv(path.join(runDir, 'metrics.csv')).map((r) => r.epoch), ['1', '2']);
  assert.deepEqual(fs.readdirSync(runDir).filter((f) => /\.tmp|\.old-|\.lock/.test(f)), [], 'no temp files or lock left');
});
