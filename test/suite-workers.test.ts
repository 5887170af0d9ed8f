/**
 * Suites on workers: Table 4's `ci` protocol trained serially (in this
 * process), by two local workers and through a Redis queue with two
 * `dresnet worker` processes, one of them SIGKILLed mid-job, gives the same
 * runs.csv in every column except the wall times and throughput; failed
 * fold-runs are reported while the others finish; pruned rows wait for their
 * parents on a queue too. The queue tests start their
 * own redis-server on 127.0.0.1 and talk to nothing else.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readCsv } from '../src/util/csv';
import { parseNvidiaSmi, cardWorkers, runsThatFit, CUDA_CONTEXT_MIB } from '../src/suite/gpu-share';
import { loadSuite, resolveRunConfig } from '../src/suite/load';
import { OUTPUT_FILES } from '../src/suite/outputs';
import { realPorts } from '../src/suite/ports';
import { evictionPolicy, foldJobId, JOB_ENV, parseQueueUrl, workerConfig } from '../src/suite/queue';
import { runSuite, SuitePorts } from '../src/suite/runner';
import { defaultWorkerCount } from '../src/suite/workers';
import { runCli } from './helpers/cli';
import { prunedSuiteText } from './fixtures/suites';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'run.js');
const TABLE4 = path.join(ROOT, 'experiments', 'table4.yaml');
/** Two fold-runs of Table 4's ci protocol (both of its folds): enough for two workers, cheap enough for npm test. */
const RUNS = ['dresnet'];
const SUITE_ARGS = ['--suite', TABLE4, '--protocol', 'ci', '--runs', RUNS.join(','), '--no-probe'];
/** Columns that measure the machine's speed, not the training. */
const TIMING = new Set(['seconds', 'train_img_per_s']);

const made: string[] = [];
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  made.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-workers-'));
  made.push(dir);
  return dir;
}

/** runs.csv without its timing columns, and curves.csv, of a results folder. */
function results(dir: string): { runs: Record<string, string>[]; curves: string } {
  const runs = readCsv(path.join(dir, OUTPUT_FILES.runs)).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k))));
  return { runs, curves: fs.readFileSync(path.join(dir, OUTPUT_FILES.curves), 'utf8') };
}

/** A child process whose output is collected; `waitFor` resolves when a line matches. */
class Proc {
  readonly child: ChildProcess;
  output = '';
  private readonly watchers: { re: RegExp; resolve: () => void }[] = [];
  readonly exited: Promise<number>;

  constructor(cmd: string, args: string[], cwd: string) {
    this.child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(this.child);
    const take = (d: Buffer) => {
      this.output += d.toString();
      for (const w of this.watchers.filter((x) => x.re.test(this.output))) {
        w.resolve();
        this.watchers.splice(this.watchers.indexOf(w), 1);
      }
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  }

  waitFor(re: RegExp, timeoutMs = 600_000): Promise<void> {
    if (re.test(this.output)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms; output:\n${this.output}`)), timeoutMs);
      this.watchers.push({ re, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }
}

const dresnet = (args: string[], cwd: string) => new Proc(process.execPath, [CLI, ...args], cwd);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server on 127.0.0.1, or undefined when it is not installed (a failure under CI=true). */
async function startRedis(dir: string): Promise<{ url: string; proc: Proc; cli(...args: string[]): string } | undefined> {
  if (spawnSync('redis-server', ['--version']).error) {
    assert.notEqual(process.env.CI, 'true', 'redis-server is not installed (apt-get install redis-server)');
    return undefined;
  }
  const port = await freePort();
  const proc = new Proc('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
  await proc.waitFor(/Ready to accept connections/, 30_000);
  const cli = (...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
  return { url: `redis://127.0.0.1:${port}`, proc, cli };
}

test('the default number of local workers is the cores over the protocol threads', () => {
  assert.equal(defaultWorkerCount({ threads: 1 }, 2), 2);
  assert.equal(defaultWorkerCount({ threads: 2 }, 16), 8);
  assert.equal(defaultWorkerCount({ threads: 3 }, 2), 1);
  assert.equal(defaultWorkerCount({ threads: 0 }, 16), 1, '0 threads is every core');
});

test('runs on one GPU: per-run memory from the peak tensor figure, how many fit, and the line that says so', () => {
  // 5558.8 MiB is DResNet's 224 px training peak on the H200 (results/cuda/bench-224.csv), 5828.8 MB.
  const { fit, perRunMiB } = runsThatFit(140_000, 5828.8);
  // 5558.8 MiB of tensors, 25% allocator slack, the CUDA context: about 7548 MiB per process.
  assert.ok(Math.abs(perRunMiB - (5558.8 * 1.25 + CUDA_CONTEXT_MIB)) < 1, String(perRunMiB));
  assert.equal(fit, Math.floor((140_000 * 0.9) / perRunMiB));
  assert.equal(fit, 16);
  assert.equal(runsThatFit(1000, 5828.8).fit, 1, 'one run is always tried');
  const card = parseNvidiaSmi('NVIDIA H200, 140000, 143771\n');
  assert.deepEqual(card, { name: 'NVIDIA H200', freeMiB: 140000, totalMiB: 143771 });
  assert.equal(parseNvidiaSmi(''), undefined);
  const share = cardWorkers(card!, 5828.8, 'dresnet', { cores: 8 });
  assert.equal(share.workers, 8);
  assert.match(share.line, /16 run\(s\) fit; training 8 at once \(one per core: 8\)/);
  assert.match(cardWorkers(card!, 5828.8, 'dresnet', { requested: 20, cores: 32 }).line, /training 16 at once \(--workers 20 would not fit\)/);
});

test('queue URLs, the eviction policy check and job ids', () => {
  assert.deepEqual(
    { ...parseQueueUrl('redis://u:p%40ss@10.0.0.2:6380/3'), maxRetriesPerRequest: undefined },
    { host: '10.0.0.2', port: 6380, db: 3, username: 'u', password: 'p@ss', tls: undefined, maxRetriesPerRequest: undefined },
  );
  assert.equal(parseQueueUrl('redis://127.0.0.1').port, 6379);
  assert.throws(() => parseQueueUrl('http://127.0.0.1:6379'), /expected a redis:\/\/ or rediss:\/\/ URL/);
  assert.throws(() => parseQueueUrl('redis://127.0.0.1:6379/x'), /the database "x" is not a number/);
  assert.equal(evictionPolicy('# Memory\r\nused_memory:1\r\nmaxmemory_policy:noeviction\r\n'), 'noeviction');
  const task = { suite: 'table4', runId: 'dresnet', slot: { repeat: 1, fold: 2 }, configHash: 'abc' };
  assert.equal(foldJobId(task), 'table4/dresnet/r1/fold2/abc');
  assert.notEqual(foldJobId({ ...task, configHash: 'abd' }), foldJobId(task));
  assert.doesNotMatch(foldJobId({ ...task, suite: 'a:b' }), /:/);
  // A worker's --device and --threads replace the protocol's; without them the job's own stand.
  const suite = loadSuite(TABLE4);
  const config = resolveRunConfig(suite, suite.runs[0], 'ci', { repeat: 0, fold: 1 });
  const mine = workerConfig(config, '/w/fold', { [JOB_ENV.device]: 'cuda', [JOB_ENV.threads]: '4' });
  assert.deepEqual([mine.runtime.device, mine.runtime.threads, mine.runtime.outDir, mine.train.fold], ['cuda', 4, '/w/fold', 1]);
  const theirs = workerConfig(config, '/w/fold', {});
  assert.deepEqual([theirs.runtime.device, theirs.runtime.threads], [config.runtime.device, config.runtime.threads]);
});

test('the runner keeps `concurrency` fold-runs going at once and no more', async () => {
  const dir = tmpDir();
  const suite = loadSuite(TABLE4);
  let active = 0;
  let most = 0;
  const real = realPorts({ quiet: true, log: () => {} });
  const ports: SuitePorts = {
    ...real,
    modelStats: async () => ({ params: 1, totalParams: 1, sizeMB: 1, sizeMiB: 1, macs: 1 }),
    async trainFold(config, task) {
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return {
        runDir: path.join(dir, task.foldPath),
        outcome: { top1: 0.5, numClasses: 4, seconds: 1, backend: 'cpu', device: 'cpu', threads: 1, machine: 'test', metrics: {}, curve: [] },
      };
    },
  };
  const summary = await runSuite(suite, { protocol: 'ci', outDir: path.join(dir, 'results'), runsRoot: path.join(dir, 'runs'), probe: false, concurrency: 3 }, ports);
  assert.equal(summary.trained.length, 10);
  assert.equal(most, 3);
});

test('the ci protocol gives the same runs.csv serially, with --workers 2 and through a queue whose worker is SIGKILLed mid-job', async (t) => {
  // Serially, in this process: the reference.
  const serial = tmpDir();
  const cwd = process.cwd();
  process.chdir(serial);
  try {
    await runSuite(loadSuite(TABLE4), { protocol: 'ci', outDir: path.join(serial, 'results'), runsRoot: 'runs', runs: RUNS, probe: false }, realPorts({ quiet: true, log: () => {} }));
  } finally {
    process.chdir(cwd);
  }
  const reference = results(path.join(serial, 'results'));
  assert.equal(reference.runs.length, 2);
  assert.equal(new Set(reference.runs.map((r) => r.config_hash)).size, 2);

  // Two local workers.
  const local = tmpDir();
  const workers = dresnet(['compare', ...SUITE_ARGS, '--workers', '2', '--out', 'results'], local);
  assert.equal(await workers.exited, 0, workers.output);
  assert.match(workers.output, /table4 dresnet\/fold1: epoch 6\/6 loss [\d.]+ top-1 [\d.]+%/, 'one progress line per epoch of each fold-run');
  assert.deepEqual(results(path.join(local, 'results')), reference);

  // A queue and two workers sharing a checkpoints folder; one is killed after its job's second epoch.
  const queued = tmpDir();
  const redis = await startRedis(queued);
  if (!redis) return t.skip('redis-server is not installed');
  const workerArgs = ['worker', '--queue', redis.url, '--checkpoints', 'runs', '--stall-seconds', '3'];
  const a = dresnet(workerArgs, queued);
  const b = dresnet(workerArgs, queued);
  await Promise.all([a.waitFor(/taking jobs/), b.waitFor(/taking jobs/)]);
  const coordinator = dresnet(['compare', ...SUITE_ARGS, '--queue', redis.url, '--out', 'results'], queued);
  await a.waitFor(/: epoch 2\/6 /);
  a.child.kill('SIGKILL');
  const killedJob = /^(\S+): started/m.exec(a.output)![1];
  assert.equal(await coordinator.exited, 0, coordinator.output);
  const jobRe = killedJob.replace(/[/.]/g, '\\$&');
  assert.match(b.output, new RegExp(`${jobRe}: done, top-1 [\\d.]+%, resumed from its checkpoint`), b.output);
  assert.doesNotMatch(b.output, new RegExp(`${jobRe}: epoch 1/6`), 'the job went on from the checkpoint after epoch 1 or 2, not from the start');
  assert.match(coordinator.output, /stopped answering; the job goes back to the queue/);
  const viaQueue = results(path.join(queued, 'results'));
  assert.deepEqual(viaQueue.runs.map((r) => `${r.run_id}/${r.fold}`), ['dresnet/0', 'dresnet/1'], 'no row missing or duplicated');
  assert.deepEqual(viaQueue, reference);

  // Enqueuing the same fold-runs again finds the finished jobs: nothing is trained twice.
  fs.rmSync(path.join(queued, 'results'), { recursive: true });
  const again = dresnet(['compare', ...SUITE_ARGS, '--queue', redis.url, '--out', 'results'], queued);
  assert.equal(await again.exited, 0, again.output);
  assert.equal((b.output.match(/: started/g) ?? []).length, 2, 'worker b trained its own job and the killed one, and nothing more');
  assert.deepEqual(results(path.join(queued, 'results')), reference);

  b.child.kill('SIGINT');
  await b.exited;
  redis.proc.child.kill('SIGTERM');
  await redis.proc.exited;
});

/** A suite with one tiny good run and one whose dataset folder does not exist (its config is valid YAML, not a valid run). */
function badSuite(dir: string): string {
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, `
name: bad
title: "a suite with a bad run"
layout: table4
reference: dresnet
protocols:
  tiny: { dataset: synthetic, task: classes, folds: 2, trainFolds: 1, inputSize: 32, epochs: 1, batchSize: 8, seed: 7, threads: 1,
          set: { data.synthetic.perClass: 10, data.synthetic.classes: 4, data.synthetic.imageSize: 48 } }
runs:
  - { id: dresnet, label: DResNet, paper: DResNet, set: { model.name: dresnet, model.width: 0.25 } }
  - { id: broken, label: MobileNet, paper: MobileNet, set: { model.name: mobilenet_v1, data.source: folder, data.path: ${path.join(dir, 'no-such-folder')} } }
`);
  return file;
}

test('a fold-run whose config is invalid fails with its run, fold and message while the others finish, locally and on a queue', async (t) => {
  const dir = tmpDir();
  const suite = badSuite(dir);
  const args = ['compare', '--suite', suite, '--protocol', 'tiny', '--no-probe', '--out', 'results'];
  const message = new RegExp(`broken/fold0 \\(run broken, repeat 0, fold 0\\)(: | failed: )data\\.path: ${dir.replace(/[/.]/g, '\\$&')}/no-such-folder does not exist`);

  const local = runCli([...args, '--workers', '2'], { cwd: dir });
  assert.equal(local.code, 2, local.stderr);
  assert.match(local.stderr, message);
  assert.match(local.stderr, /bad: 1 of 2 fold-run\(s\) failed/);
  assert.equal(readCsv(path.join(dir, 'results', OUTPUT_FILES.runs)).length, 1, 'the good run finished');

  const redis = await startRedis(dir);
  if (!redis) return t.skip('redis-server is not installed');
  // The check at start: BullMQ needs noeviction.
  redis.cli('config', 'set', 'maxmemory-policy', 'allkeys-lru');
  const refused = runCli(['worker', '--queue', redis.url], { cwd: dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Redis has maxmemory-policy allkeys-lru; BullMQ needs noeviction/);
  redis.cli('config', 'set', 'maxmemory-policy', 'noeviction');

  const worker = dresnet(['worker', '--queue', redis.url], dir);
  await worker.waitFor(/taking jobs/);
  fs.rmSync(path.join(dir, 'results'), { recursive: true });
  const coordinator = dresnet([...args, '--queue', redis.url], dir);
  assert.equal(await coordinator.exited, 2, coordinator.output);
  assert.match(coordinator.output, message);
  assert.equal(readCsv(path.join(dir, 'results', OUTPUT_FILES.runs)).length, 1, 'the good job finished');
  assert.match(worker.output, /bad\/broken\/r0\/fold0\/\w+: started \(attempt 1\)/);
  assert.doesNotMatch(worker.output, /broken.*attempt 2/, 'a bad config is not retried');
  worker.child.kill('SIGINT');
  await worker.exited;
  redis.proc.child.kill('SIGTERM');
  await redis.proc.exited;
});

test('a suite with a pruned row on a queue: pruned jobs wait for their parents and read them from the workers\' shared --checkpoints folder', async (t) => {
  const dir = tmpDir();
  const redis = await startRedis(dir);
  if (!redis) return t.skip('redis-server is not installed');
  const file = path.join(dir, 'pruned.yaml');
  fs.writeFileSync(file, prunedSuiteText(path.join(dir, 'runs')));
  const compare = (url: string, out: string) => dresnet(['compare', '--suite', file, '--protocol', 'small', '--no-probe', '--queue', url, '--out', out], dir);

  // A worker that keeps no run folder: the parents train, the pruned fold-runs fail saying why.
  const bare = dresnet(['worker', '--queue', redis.url], dir);
  await bare.waitFor(/taking jobs/);
  const refused = compare(redis.url, 'bare');
  assert.equal(await refused.exited, 2, refused.output);
  assert.match(refused.output, /dresnet-p0\.5\/fold0 \(run dresnet-p0\.5, repeat 0, fold 0\): its parent fold-run dresnet\/fold0 trained on a queue worker that kept no run folder: .* --checkpoints folder/);
  bare.child.kill('SIGINT');
  await bare.exited;

  // Another database (the finished jobs above would be found again), a worker with --checkpoints.
  const url = `${redis.url}/1`;
  const worker = dresnet(['worker', '--queue', url, '--checkpoints', 'runs'], dir);
  await worker.waitFor(/taking jobs/);
  const coordinator = compare(url, 'results');
  assert.equal(await coordinator.exited, 0, coordinator.output);
  assert.match(coordinator.output, /pruned: 4 fold\(s\) trained, 0 reused/);
  const started = [...worker.output.matchAll(/^pruned\/([^/]+)\/r0\/fold(\d)\/\w+: started/gm)].map((m) => `${m[1]}/${m[2]}`);
  assert.deepEqual(started.slice(0, 2).sort(), ['dresnet/0', 'dresnet/1'], 'the parents first');
  const rows = readCsv(path.join(dir, 'results', OUTPUT_FILES.runs));
  for (const fold of ['0', '1']) {
    const [parent, child] = ['dresnet', 'dresnet-p0.5'].map((id) => rows.find((r) => r.run_id === id && r.fold === fold)!);
    const pruning = JSON.parse(fs.readFileSync(path.resolve(dir, child.run_dir, 'report.json'), 'utf8')).pruning;
    assert.equal(pruning.parent, path.resolve(dir, parent.run_dir));
  }
  worker.child.kill('SIGINT');
  await worker.exited;
  redis.proc.child.kill('SIGTERM');
  await redis.proc.exited;
});
