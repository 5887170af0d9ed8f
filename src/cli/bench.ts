/**
 * `dresnet bench`: training throughput (img/s) and batch-1 inference latency
 * of zoo models on a tfjs backend, and in the same run the same models in
 * PyTorch eager on the same device (scripts/bench_pytorch.py with torchvision),
 * printed side by side as ratios (on CUDA: both on the same GPU). A benchmark, not a test: numbers depend on
 * the machine and on whatever else runs on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../util/errors';
import { describeBackend, selectBackend, BackendDescription } from '../backend';
import { KernelTime, timeKernels } from '../backend/kernel_times';
import { TorchBackend } from '../backend/torch';
import { createModel, fuseBatchNorms, getModelDefinition, trainingLogits } from '../models';
import { crossEntropyLoss } from '../train/losses';
import { makeOptimizer } from '../train/optimizer';
import { toCsv } from '../report/csv';
import { atomicWriteFile, packageRoot } from '../util/files';
import { peakRssBytes } from '../util/memory';

/** Debian's python3, where apt installs python3-torch. */
const DEBIAN_PYTHON = '/usr/bin/python3';
/** --python or DRESNET_PYTHON picks another (a CUDA PyTorch). */
const DEFAULT_PYTHON = process.env.DRESNET_PYTHON || DEBIAN_PYTHON;
const DEFAULT_MODELS = ['resnet50', 'mobilenet_v2', 'shufflenet_v2', 'dresnet'];

export interface BenchOptions {
  size: number;
  batch: number;
  threads: number;
  classes: number;
  warmup: number;
  steps: number;
  latencyRuns: number;
  /** Untimed batch-1 passes first: V8 compiles the layers' JavaScript over the first ~20. */
  latencyWarmup: number;
  backend: 'auto' | 'torch' | 'tensorflow' | 'cpu';
  device: 'cpu' | 'cuda';
  pytorch: boolean;
  python: string;
  channelsLast: boolean;
  /** Also report the host time of the n slowest kernels of a training step (0: no). */
  kernels: number;
  /** Each model measured this many times, ours and PyTorch's in turn; the report gives medians. */
  rounds: number;
  out?: string;
}

export interface ModelBench {
  model: string;
  trainImgS: number;
  latencyMs: number;
  peakTensorMiB: number;
  peakRssMiB: number;
  /** With --kernels, per training step: the slowest kernels, all kernels' calls and host ms, the step's wall ms. */
  kernels?: { top: KernelTime[]; calls: number; kernelMs: number; stepMs: number };
}

interface PytorchModel {
  train_img_s?: number;
  latency_ms?: number;
  peak_rss_mib?: number;
  skipped?: string;
}

interface PytorchResult {
  torch_version: string;
  threads: number;
  models: Record<string, PytorchModel>;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag}: expected a non-negative integer, got "${value}"`);
    return n;
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const MiB = 1024 * 1024;

/**
 * Peak tensor bytes inside a training step (between steps the activations are
 * already freed): on torch ATen's own count, each storage once; elsewhere
 * tf.profile's peakBytes, which counts the torch backend's reshape views as
 * copies. And the process's peak RSS.
 */
class PeakMemory {
  tensors = 0;
  rss = 0;
  async profile(step: () => void): Promise<void> {
    const backend = tf.backend();
    const bytes = backend instanceof TorchBackend ? backend.peakBytesDuring(step) : (await tf.profile(step)).peakBytes;
    this.tensors = Math.max(this.tensors, bytes);
  }
  sample(): void {
    this.rss = Math.max(this.rss, peakRssBytes());
  }
}

/**
 * SGD-momentum training steps on one random batch; img/s over the timed
 * steps, then (--kernels) as many steps again with each kernel timed.
 */
async function trainThroughput(model: ReturnType<typeof createModel>, opts: BenchOptions, peak: PeakMemory): Promise<Pick<ModelBench, 'trainImgS' | 'kernels'>> {
  // The trainer's optimiser (SGD, momentum 0.9), weight decay aside.
  const sgd = makeOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 });
  const optimizer = sgd.optimizer;
  const x = tf.randomNormal([opts.batch, opts.size, opts.size, 3]) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: opts.batch }, (_, i) => i % opts.classes), 'int32');
  const step = () => {
    const loss = optimizer.minimize(() => crossEntropyLoss(trainingLogits(model, x), labels), true);
    // Reading the loss waits for the step to finish on asynchronous backends.
    loss?.dataSync();
    loss?.dispose();
    peak.sample();
  };
  try {
    for (let i = 0; i < opts.warmup; i++) step();
    // Untimed: the profiler's bookkeeping would count in img/s.
    await peak.profile(step);
    const start = performance.now();
    for (let i = 0; i < opts.steps; i++) step();
    const trainImgS = (opts.batch * opts.steps) / ((performance.now() - start) / 1000);
    if (opts.kernels === 0) return { trainImgS };
    const times = timeKernels(tf.getBackend(), () => {
      for (let i = 0; i < opts.steps; i++) step();
    });
    const perStep = (k: KernelTime) => ({ kernel: k.kernel, calls: k.calls / opts.steps, ms: k.ms / opts.steps });
    const total = (key: 'calls' | 'ms') => times.kernels.reduce((sum, k) => sum + k[key], 0) / opts.steps;
    return {
      trainImgS,
      kernels: { top: times.kernels.slice(0, opts.kernels).map(perStep), calls: total('calls'), kernelMs: total('ms'), stepMs: times.totalMs / opts.steps },
    };
  } finally {
    tf.dispose([x, labels]);
    sgd.dispose();
  }
}

/** Median wall time of a batch-1 inference forward pass, batch norms folded into the convolutions (as PyTorch's side does). */
function inferenceLatency(model: ReturnType<typeof createModel>, opts: BenchOptions): number {
  const x = tf.randomNormal([1, opts.size, opts.size, 3]);
  const folded = fuseBatchNorms(model);
  const once = () => {
    const start = performance.now();
    const y = folded.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
    return performance.now() - start;
  };
  try {
    for (let i = 0; i < opts.latencyWarmup; i++) once();
    return median(Array.from({ length: Math.max(1, opts.latencyRuns) }, once));
  } finally {
    x.dispose();
    folded.dispose();
  }
}

/** One model in this process; its peak RSS is the process's, so measure one model per process (see runBench). */
export async function benchModel(name: string, opts: BenchOptions): Promise<ModelBench> {
  const peak = new PeakMemory();
  const model = createModel(name, { numClasses: opts.classes, inputSize: opts.size });
  try {
    const { trainImgS, kernels } = await trainThroughput(model, opts, peak);
    const latencyMs = inferenceLatency(model, opts);
    return { model: name, trainImgS, latencyMs, peakTensorMiB: peak.tensors / MiB, peakRssMiB: peak.rss / MiB, kernels };
  } finally {
    model.dispose();
  }
}

function pytorchAvailable(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian's python3-torch/torchvision, installed with apt when missing and we
 * are root; another --python is used as it is.
 */
function ensurePytorch(python: string): string | undefined {
  if (pytorchAvailable(python)) return undefined;
  const hint = 'apt-get install -y python3-torch python3-torchvision';
  if (python !== DEBIAN_PYTHON) return `${python} cannot import torch and torchvision`;
  if (process.getuid?.() !== 0) return `${python} lacks torch/torchvision; run: ${hint}`;
  process.stderr.write('dresnet bench: installing python3-torch and python3-torchvision (apt-get)\n');
  spawnSync('apt-get', ['install', '-y', 'python3-torch', 'python3-torchvision'], { stdio: 'inherit' });
  return pytorchAvailable(python) ? undefined : `${hint} failed`;
}

/** `threads`: the count in effect on our side (--threads 0 means all cores; PyTorch rejects 0). */
function runPytorch(models: string[], opts: BenchOptions, threads: number): PytorchResult | string {
  const missing = ensurePytorch(opts.python);
  if (missing) return missing;
  const script = path.join(packageRoot(), 'scripts', 'bench_pytorch.py');
  const args = [
    script, '--models', models.join(','), '--size', String(opts.size), '--batch', String(opts.batch),
    '--threads', String(threads), '--classes', String(opts.classes), '--warmup', String(opts.warmup),
    '--steps', String(opts.steps), '--latency-runs', String(opts.latencyRuns), '--latency-warmup', String(opts.latencyWarmup), '--device', opts.device,
    ...(opts.channelsLast ? ['--channels-last'] : []),
  ];
  const res = spawnSync(opts.python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MiB });
  if (res.status !== 0) return `scripts/bench_pytorch.py failed (exit ${res.status})`;
  return JSON.parse(res.stdout) as PytorchResult;
}

const COLUMNS = [
  'model', 'backend', 'threads', 'train_img_s', 'pytorch_train_img_s', 'train_ratio',
  'latency_ms', 'pytorch_latency_ms', 'latency_ratio', 'peak_tensor_mib', 'peak_rss_mib', 'pytorch_peak_rss_mib',
] as const;

function fmt(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

/**
 * One model's report row. Ratios are "ours / PyTorch" for throughput and
 * "PyTorch / ours" for latency, so > 1 means faster than PyTorch in both.
 */
export function benchRow(r: ModelBench, engine: BackendDescription, pt: PytorchModel | undefined) {
  return {
    model: r.model,
    backend: engine.name,
    threads: engine.threads,
    train_img_s: r.trainImgS,
    pytorch_train_img_s: pt?.train_img_s,
    train_ratio: pt?.train_img_s ? r.trainImgS / pt.train_img_s : undefined,
    latency_ms: r.latencyMs,
    pytorch_latency_ms: pt?.latency_ms,
    latency_ratio: pt?.latency_ms ? pt.latency_ms / r.latencyMs : undefined,
    peak_tensor_mib: r.peakTensorMiB,
    peak_rss_mib: r.peakRssMiB,
    pytorch_peak_rss_mib: pt?.peak_rss_mib,
  };
}

type BenchRow = ReturnType<typeof benchRow>;

function table(rows: BenchRow[]): string {
  const header = '| model | img/s (train) | PyTorch img/s | ratio | latency ms (b=1) | PyTorch ms | ratio | peak tensors MiB | peak RSS MiB | PyTorch peak RSS MiB |';
  const lines = rows.map((r) =>
    `| ${r.model} | ${fmt(r.train_img_s, 1)} | ${fmt(r.pytorch_train_img_s, 1)} | ${fmt(r.train_ratio, 2)} | ` +
    `${fmt(r.latency_ms, 1)} | ${fmt(r.pytorch_latency_ms, 1)} | ${fmt(r.latency_ratio, 2)} | ` +
    `${fmt(r.peak_tensor_mib, 0)} | ${fmt(r.peak_rss_mib, 0)} | ${fmt(r.pytorch_peak_rss_mib, 0)} |`);
  return [header, '|' + ' --- |'.repeat(10), ...lines].join('\n') + '\n';
}

/** --kernels: where one model's training step spends its host time. */
function kernelTable(r: ModelBench): string {
  if (!r.kernels) return '';
  const { top, calls, kernelMs, stepMs } = r.kernels;
  const lines = top.map((k) => `| ${k.kernel} | ${k.calls.toFixed(0)} | ${k.ms.toFixed(2)} | ${(1000 * k.ms / k.calls).toFixed(1)} |`);
  return `\n${r.model}: a training step takes ${stepMs.toFixed(1)} ms; ${calls.toFixed(0)} kernel calls spend ${kernelMs.toFixed(1)} ms of it on the host ` +
    `(the rest is tfjs outside kernels and the wait for the loss); slowest kernels:\n` +
    ['| kernel | calls/step | host ms/step | µs/call |', '|' + ' --- |'.repeat(4), ...lines].join('\n') + '\n';
}

/** The bench flags that reproduce `opts` in a child process. */
function childArgs(model: string, opts: BenchOptions): string[] {
  return [
    path.join(__dirname, 'run.js'), 'bench', model, '--model-json', '--size', String(opts.size), '--batch', String(opts.batch),
    '--threads', String(opts.threads), '--classes', String(opts.classes), '--warmup', String(opts.warmup),
    '--steps', String(opts.steps), '--latency-runs', String(opts.latencyRuns), '--latency-warmup', String(opts.latencyWarmup), '--backend', opts.backend, '--device', opts.device,
    '--kernels', String(opts.kernels),
  ];
}

/**
 * Each model in a fresh Node process: peak RSS is per process and the heap
 * does not shrink (the torch addon keeps freed memory for the next step), so
 * in one process every model after ResNet-50 reported ResNet-50's RSS.
 */
function benchModelInChild(model: string, opts: BenchOptions): ModelBench {
  const res = spawnSync(process.execPath, childArgs(model, opts), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MiB });
  // The child has printed its error.
  if (res.status !== 0) throw new UserError(`bench ${model} failed in its child process (exit ${res.status})`);
  return JSON.parse(res.stdout) as ModelBench;
}

/** Per numeric field, the median over rounds; ratios are the median of each round's own ratio. */
function medianRow(rounds: BenchRow[]): BenchRow {
  const row: Record<string, unknown> = { ...rounds[0] };
  for (const key of Object.keys(row) as Array<keyof BenchRow>) {
    const values = rounds.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) row[key] = median(values);
  }
  return row as BenchRow;
}

/** With several rounds: each round's ratios, so that the spread is in the report. */
function roundsLine(model: string, rounds: BenchRow[]): string {
  const list = (key: 'train_ratio' | 'latency_ratio') => rounds.map((r) => fmt(r[key], 2)).join(', ');
  return `${model}, each round: training ratio ${list('train_ratio')}; latency ratio ${list('latency_ratio')}\n`;
}

export async function runBench(models: string[], opts: BenchOptions): Promise<string> {
  for (const m of models) getModelDefinition(m);
  await selectBackend({ backend: opts.backend, device: opts.device, threads: opts.threads });
  const engine = describeBackend();
  const rows: BenchRow[] = [];
  const kernelTables: string[] = [];
  let pytorch: PytorchResult | undefined;
  let note = '';
  let spread = '';
  // Each model's PyTorch run follows ours at once: a shared machine's speed
  // drifts by 10-40% over minutes, and a ratio of runs far apart carries it.
  for (const m of models) {
    const rounds: BenchRow[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const r = benchModelInChild(m, opts);
      process.stderr.write(`${engine.name} ${m}: ${r.trainImgS.toFixed(1)} img/s, batch-1 latency ${r.latencyMs.toFixed(2)} ms\n`);
      if (round === 0) kernelTables.push(kernelTable(r));
      let pt: PytorchModel | undefined;
      if (opts.pytorch && !note) {
        const res = runPytorch([m], opts, engine.threads);
        if (typeof res === 'string') note = `PyTorch baseline not run: ${res}\n`;
        else [pytorch, pt] = [res, res.models[m]];
      }
      rounds.push(benchRow(r, engine, pt));
    }
    rows.push(medianRow(rounds));
    if (rounds.length > 1) spread += roundsLine(m, rounds);
  }
  if (opts.out) atomicWriteFile(opts.out, toCsv(COLUMNS, rows));
  const libtorch = engine.libtorchVersion ? `, libtorch ${engine.libtorchVersion}${engine.blas ? `, BLAS ${engine.blas}` : ''}` : '';
  const ptInfo = pytorch ? `; PyTorch ${pytorch.torch_version} eager (${opts.device}), ${pytorch.threads} threads${opts.channelsLast ? ', channels_last' : ', NCHW'}` : '';
  const roundsInfo = opts.rounds > 1 ? `; medians of ${opts.rounds} rounds, ours and PyTorch's in turn (a ratio: the median of the rounds' ratios)` : '';
  return `backend ${engine.name} (${engine.device}, ${engine.threads} threads${libtorch})${ptInfo}; ` +
    `${opts.size}x${opts.size}, training batch ${opts.batch}, ${opts.steps} timed steps after ${opts.warmup} warm-up; ` +
    `batch-1 latency: batch norms folded into the convolutions on both sides, median of ${opts.latencyRuns} passes after ${opts.latencyWarmup} untimed${roundsInfo}\n` +
    note + table(rows) + (spread ? `\n${spread}` : '') + kernelTables.join('');
}

export function registerBenchCommand(program: Command): void {
  program.command('bench')
    .description('training throughput and batch-1 latency on a tfjs backend, beside PyTorch eager on the same device')
    .argument('[model...]', `zoo models (default: ${DEFAULT_MODELS.join(' ')})`)
    .option('--size <px>', 'input size (square)', positiveInt('--size'), 128)
    .option('--batch <n>', 'training batch size', positiveInt('--batch'), 32)
    .option('--threads <n>', 'intra-op threads for both frameworks (0 = all cores)', positiveInt('--threads'), 2)
    .option('--classes <n>', 'classifier classes', positiveInt('--classes'), 1000)
    .option('--warmup <n>', 'untimed training steps first', positiveInt('--warmup'), 1)
    .option('--steps <n>', 'timed training steps', positiveInt('--steps'), 3)
    .option('--latency-runs <n>', 'timed batch-1 forward passes (median)', positiveInt('--latency-runs'), 20)
    .option('--latency-warmup <n>', 'untimed batch-1 forward passes before them, on both sides', positiveInt('--latency-warmup'), 20)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'torch', 'tensorflow', 'cpu']).default('torch'))
    .addOption(new Option('--device <device>', 'device').choices(['cpu', 'cuda']).default('cpu'))
    .option('--no-pytorch', 'skip the PyTorch eager baseline')
    .option('--python <path>', 'python with torch and torchvision for the baseline (env DRESNET_PYTHON)', DEFAULT_PYTHON)
    .option('--channels-last', 'run PyTorch in channels_last memory format (default: its NCHW default)', false)
    .option('--kernels <n>', 'also time each kernel (host time) over as many training steps again and list the n slowest', positiveInt('--kernels'), 0)
    .option('--rounds <n>', 'measure each model n times, ours and PyTorch in turn, and report medians', positiveInt('--rounds'), 1)
    .option('--out <file>', 'also write the rows as CSV')
    .addOption(new Option('--model-json', 'internal: measure the one model in this process, print its ModelBench as JSON').hideHelp())
    .action(async (args: string[], opts: BenchOptions & { modelJson?: boolean }) => {
      if (opts.steps < 1) throw new UserError('--steps: at least 1 timed step');
      if (opts.modelJson) {
        await selectBackend({ backend: opts.backend, device: opts.device, threads: opts.threads });
        process.stdout.write(JSON.stringify(await benchModel(args[0], opts)) + '\n');
        return;
      }
      process.stdout.write(await runBench(args.length > 0 ? args : DEFAULT_MODELS, opts));
    });
}
