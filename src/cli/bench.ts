/**
 * `dresnet bench`: training throughput (img/s) and batch-1 inference latency
 * of zoo models on a tfjs backend, and in the same run the same models in
 * PyTorch eager on the same device (scripts/bench_pytorch.py with torchvision),
 * printed side by side as ratios (on CUDA: both on the same GPU). A benchmark, not a test: numbers depend on
 * the machine and on whatever else runs on it. What each figure is, and the
 * fresh process per model, are src/measure's (the suites' probe uses the same).
 */
import { Command, Option } from 'commander';
import { UserError } from '../util/errors';
import { describeBackend, selectBackend, BackendDescription } from '../backend';
import { trainSchema } from '../config/run-config';
import { getModelDefinition } from '../models';
import {
  blockRatio, ComparisonSetup, DEBIAN_PACKAGES, DEBIAN_PYTHON, installBaseline, Measurement, MeasureRequest, measureInChild, measurePairedInChild, median,
  PairedMeasurement, PLAN_RECORDING_STEPS, PytorchModel, PytorchResult, runPytorch, speedClaim, TensorCounter,
} from '../measure';
import { lineChartSvg, Series, writeChart } from '../report/plots';
import { toCsv } from '../util/csv';
import { atomicWriteFile } from '../util/files';

/** --python or DRESNET_PYTHON picks another (a CUDA PyTorch). */
const DEFAULT_PYTHON = process.env.DRESNET_PYTHON || DEBIAN_PYTHON;
const DEFAULT_MODELS = ['resnet50', 'mobilenet_v2', 'shufflenet_v2', 'dresnet'];
/** The trainer's optimiser and loss at their defaults (SGD lr 0.01, momentum 0.9; cross-entropy), weight decay aside. */
const BENCH_OPTIMIZER = trainSchema.fields.optimizer.parse({ weightDecay: 0 }, 'train.optimizer');
const BENCH_LOSS = trainSchema.fields.loss.parse({ type: 'ce' }, 'train.loss');

export interface BenchOptions extends ComparisonSetup {
  /** Intra-op threads for both frameworks (0: all cores). */
  threads: number;
  backend: 'auto' | 'torch' | 'tensorflow' | 'cpu';
  pytorch: boolean;
  python: string;
  /** Install Debian's PyTorch with apt-get first when it is missing (never done unasked). */
  installBaseline: boolean;
  /** Also report the host time of the n slowest kernels of a training step (0: no). */
  kernels: number;
  /** Also time training and batch-1 latency through recorded plans (runtime.compile), beside eager's. */
  compile: boolean;
  /** With compile: replay the plans through their own buffers, captured as CUDA graphs on cuda (runtime.cudaGraphs). */
  cudaGraphs: boolean;
  /** Each model measured this many times, ours and PyTorch's in turn; the report gives medians. */
  rounds: number;
  /** Instead of rounds: each model trained against this one in one process, blocks of steps interleaved, the speed claim decided over the blocks. */
  paired?: string;
  /** With paired: blocks of each model (--steps steps each). */
  blocks: number;
  /** With paired: the claim is img/s ≥ the reference's / macRatio (default: the built models' MAC ratio, i.e. equal MACs per second). */
  macRatio?: number;
  /** With paired: draw each block's ratio, and each claim's target, to <chart>.svg and .png. */
  chart?: string;
  out?: string;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag}: expected a non-negative integer, got "${value}"`);
    return n;
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!Number.isFinite(x) || x <= 0) throw new UserError(`${flag}: expected a positive number, got "${value}"`);
    return x;
  };
}

const MiB = 1024 * 1024;

/** What src/measure measures for one model under these flags (the suites' probe asks the same of a run's config). */
export function benchRequest(model: string, opts: BenchOptions): MeasureRequest {
  return {
    model,
    options: {},
    numClasses: opts.classes,
    inputSize: opts.size,
    runtime: { backend: opts.backend, device: opts.device, threads: opts.threads, cudaGraphs: opts.cudaGraphs },
    latency: { warmup: opts.latencyWarmup, runs: opts.latencyRuns },
    train: { batchSize: opts.batch, optimizer: BENCH_OPTIMIZER, loss: BENCH_LOSS, timing: { warmup: opts.warmup, runs: opts.steps } },
    kernels: opts.kernels,
    compile: opts.compile,
  };
}

/** Our side's PyTorch counterpart: the same sizes, steps and timing. `threads`: the count in effect on our side. */
function pytorchRun(models: string[], opts: BenchOptions, threads: number): PytorchResult | string {
  return runPytorch(opts.python, { ...opts, models, threads });
}

const COLUMNS = [
  'model', 'backend', 'threads', 'train_img_s', 'pytorch_train_img_s', 'train_ratio', 'plan_train_img_s', 'plan_train_ratio', 'plan_train_mode',
  'latency_ms', 'pytorch_latency_ms', 'latency_ratio', 'plan_latency_ms', 'plan_latency_ratio', 'plan_mode', 'peak_tensor_mib', 'peak_rss_mib', 'pytorch_peak_rss_mib',
  'gmacs', 'mac_speed_vs_reference',
] as const;

/**
 * The model whose training speed per MAC the others are set against (the
 * issue's DResNet target: its img/s at least MobileNet v2's over their MAC ratio).
 */
const MAC_REFERENCE = 'mobilenet_v2';

function fmt(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

/**
 * One model's report row. Ratios are "ours / PyTorch" for throughput and
 * "PyTorch / ours" for latency, so > 1 means faster than PyTorch in both.
 */
export function benchRow(model: string, r: Measurement, engine: BackendDescription, pt: PytorchModel | undefined) {
  return {
    model,
    backend: engine.name,
    threads: engine.threads,
    train_img_s: r.trainImgPerS,
    pytorch_train_img_s: pt?.train_img_s,
    train_ratio: pt?.train_img_s ? r.trainImgPerS / pt.train_img_s : undefined,
    plan_train_img_s: r.planTrainImgPerS,
    plan_train_ratio: pt?.train_img_s && r.planTrainImgPerS ? r.planTrainImgPerS / pt.train_img_s : undefined,
    plan_train_mode: r.planTrainMode,
    latency_ms: r.latencyMs,
    pytorch_latency_ms: pt?.latency_ms,
    latency_ratio: pt?.latency_ms ? pt.latency_ms / r.latencyMs : undefined,
    plan_latency_ms: r.planLatencyMs,
    plan_latency_ratio: pt?.latency_ms && r.planLatencyMs ? pt.latency_ms / r.planLatencyMs : undefined,
    plan_mode: r.planMode,
    peak_tensor_mib: r.trainPeakTensorBytes / MiB,
    peak_rss_mib: r.peakRssBytes / MiB,
    pytorch_peak_rss_mib: pt?.peak_rss_mib,
    gmacs: r.macs / 1e9,
    /** Filled in once the round's reference model is measured (macSpeeds). */
    mac_speed_vs_reference: undefined as number | undefined,
  };
}

type BenchRow = ReturnType<typeof benchRow>;

/** What counted the tensor bytes, for the header. */
const COUNTER_NAME: Record<TensorCounter, string> = { aten: 'ATen', tfjs: 'tf.profile' };

/**
 * The header says what each figure is: latency of the folded model, whose
 * tensor count, RSS as VmHWM. With --compile, the plans' training img/s and
 * latency, each with its ratio to PyTorch, follow eager's.
 */
function table(rows: BenchRow[], counter: TensorCounter, compile: boolean): string {
  const trainPlan = compile ? ' plan img/s | ratio |' : '';
  const latencyPlan = compile ? ' plan ms (b=1, replayed) | ratio |' : '';
  const header = `| model | img/s (train) | PyTorch img/s | ratio |${trainPlan} latency ms (b=1, BN folded) | PyTorch ms | ratio |${latencyPlan}` +
    ` peak tensors MiB (${COUNTER_NAME[counter]}, train step) | peak RSS MiB (VmHWM) | PyTorch peak RSS MiB (VmHWM) |`;
  const cells = (value: number | undefined, ratio: number | undefined, digits: number) =>
    (compile ? ` ${fmt(value, digits)} | ${fmt(ratio, 2)} |` : '');
  const lines = rows.map((r) =>
    `| ${r.model} | ${fmt(r.train_img_s, 1)} | ${fmt(r.pytorch_train_img_s, 1)} | ${fmt(r.train_ratio, 2)} |` +
    cells(r.plan_train_img_s, r.plan_train_ratio, 1) +
    ` ${fmt(r.latency_ms, 1)} | ${fmt(r.pytorch_latency_ms, 1)} | ${fmt(r.latency_ratio, 2)} |` + cells(r.plan_latency_ms, r.plan_latency_ratio, 1) +
    ` ${fmt(r.peak_tensor_mib, 0)} | ${fmt(r.peak_rss_mib, 0)} | ${fmt(r.pytorch_peak_rss_mib, 0)} |`);
  const eager = rows.flatMap((r) => [['training', r.plan_train_mode], ['inference', r.plan_mode]]
    .filter(([, mode]) => mode !== undefined && mode !== 'replaying').map(([what, mode]) => `${r.model}: the ${what} plan ran ${mode}\n`));
  return [header, '|' + ' --- |'.repeat(compile ? 14 : 10), ...lines].join('\n') + '\n' + eager.join('');
}

/** --kernels: where one model's training step spends its host time. */
function kernelTable(model: string, r: Measurement): string {
  if (!r.kernels) return '';
  const { top, calls, kernelMs, stepMs } = r.kernels;
  const lines = top.map((k) => `| ${k.kernel} | ${k.calls.toFixed(0)} | ${k.ms.toFixed(2)} | ${(1000 * k.ms / k.calls).toFixed(1)} |`);
  return `\n${model}: a training step takes ${stepMs.toFixed(1)} ms; ${calls.toFixed(0)} kernel calls spend ${kernelMs.toFixed(1)} ms of it on the host ` +
    `(the rest is tfjs outside kernels and the wait for the loss); slowest kernels:\n` +
    ['| kernel | calls/step | host ms/step | µs/call |', '|' + ' --- |'.repeat(4), ...lines].join('\n') + '\n';
}

/** Training img/s, through plans when they were timed. */
function trainingSpeed(r: BenchRow): number {
  return r.plan_train_img_s ?? r.train_img_s;
}

/**
 * Each row's training MACs per second over the reference model's in the same
 * round: 1.0 means it turns its MACs into training throughput as fast as the
 * reference does.
 */
function macSpeeds(round: BenchRow[]): void {
  const ref = round.find((r) => r.model === MAC_REFERENCE);
  if (!ref) return;
  for (const r of round) r.mac_speed_vs_reference = (trainingSpeed(r) * r.gmacs) / (trainingSpeed(ref) * ref.gmacs);
}

/** With the reference in the run: every other model's training speed per MAC against it, round by round. */
function macSpeedLines(byModel: Map<string, BenchRow[]>, plans: boolean): string {
  const lines = [...byModel].filter(([m, rounds]) => m !== MAC_REFERENCE && rounds[0].mac_speed_vs_reference !== undefined).map(([m, rounds]) => {
    const each = rounds.map((r) => fmt(r.mac_speed_vs_reference, 2)).join(', ');
    return `${m} (${fmt(rounds[0].gmacs, 3)} GMACs/img): ${fmt(median(rounds.map((r) => r.mac_speed_vs_reference!)), 2)}x (rounds: ${each})\n`;
  });
  if (lines.length === 0) return '';
  const ref = byModel.get(MAC_REFERENCE)![0];
  return `\ntraining${plans ? ' (plans)' : ''} MACs per second against ${MAC_REFERENCE}'s (${fmt(ref.gmacs, 3)} GMACs/img) in the same round:\n` + lines.join('');
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
  const list = (key: 'train_ratio' | 'latency_ratio' | 'plan_train_ratio' | 'plan_latency_ratio') => rounds.map((r) => fmt(r[key], 2)).join(', ');
  const plan = rounds[0].plan_latency_ms !== undefined
    ? `; plan training ratio ${list('plan_train_ratio')}; plan latency ratio ${list('plan_latency_ratio')}` : '';
  return `${model}, each round: training ratio ${list('train_ratio')}; latency ratio ${list('latency_ratio')}${plan}\n`;
}

/** The line that says the baseline is missing, and why (undefined: it is there). */
function baselineNote(why: string | undefined): string {
  return why === undefined ? '' : `PyTorch baseline not run: ${why}\n`;
}

const PAIRED_COLUMNS = ['model', 'reference', 'block', 'model_first', 'steps', 'model_ms', 'reference_ms', 'img_s_ratio'] as const;

/** What the claim divides the reference's img/s by: --mac-ratio, or the built models' MAC ratio. */
function macDivisor(m: PairedMeasurement, macRatio: number | undefined): number {
  return macRatio ?? m.aMacs / m.bMacs;
}

/** One model's paired comparison: its ratio to the reference with the CI, per MAC, and the claim's verdict. */
function pairedReport(model: string, reference: string, m: PairedMeasurement, macRatio: number | undefined): string {
  const builtRatio = m.aMacs / m.bMacs;
  const divisor = macDivisor(m, macRatio);
  const claim = speedClaim(m, 1 / divisor);
  const { verdict, p, repeatsToDecide } = claim.decision;
  const perBlock = m.blocks.map(blockRatio);
  const [lo, hi] = claim.ci;
  const undecided = verdict === 'inconclusive'
    ? `; ${repeatsToDecide === undefined ? 'no number of blocks would decide it at this spread' : `about ${repeatsToDecide} blocks would decide it`}` : '';
  const source = macRatio === undefined ? `their MAC ratio at this size` : `--mac-ratio`;
  const verdictLine = model === reference
    ? `  A/A control: the CI ${lo <= 1 && hi >= 1 ? 'holds 1, as an unbiased pairing should' : 'misses 1: the pairing favours one slot on this machine, and the other claims are suspect'}\n`
    : `  claim: img/s >= ${reference}'s / ${fmt(divisor, 3)} (${source}), i.e. >= ${fmt(claim.target, 3)}x: ${verdict} (p = ${pText(p)}${undecided})\n`;
  return `${model}: ${fmt(claim.ratio, 3)}x ${reference}'s img/s (95% CI ${fmt(lo, 3)}-${fmt(hi, 3)}; blocks ${fmt(Math.min(...perBlock), 3)}-${fmt(Math.max(...perBlock), 3)}); ` +
    `${fmt(builtRatio, 3)}x its MACs (${fmt(m.aMacs / 1e9, 3)} vs ${fmt(m.bMacs / 1e9, 3)} GMACs/img), so ${fmt(claim.ratio * builtRatio, 3)}x its MACs per second (95% CI ${fmt(lo * builtRatio, 3)}-${fmt(hi * builtRatio, 3)})\n` +
    verdictLine;
}

function pText(p: number): string {
  return p < 1e-6 ? '< 1e-6' : p.toPrecision(2);
}

function pairedRows(model: string, reference: string, m: PairedMeasurement) {
  return m.blocks.map((k, block) => ({
    model, reference, block, model_first: k.aFirst, steps: m.stepsPerBlock, model_ms: k.aMs, reference_ms: k.bMs, img_s_ratio: blockRatio(k),
  }));
}

/** Each pair's block ratios in time order, and the target line of each claim. */
function pairedChart(reference: string, pairs: Array<{ model: string; m: PairedMeasurement; target: number }>, macRatio: number | undefined): string {
  const series: Series[] = pairs.flatMap(({ model, m, target }) => {
    const blocks: Series = { label: model === reference ? `${model} (A/A)` : model, points: m.blocks.map((k, i) => ({ x: i, y: blockRatio(k) })) };
    if (model === reference) return [blocks];
    const last = m.blocks.length - 1;
    return [blocks, { label: `${model}'s target`, points: [{ x: 0, y: target }, { x: last, y: target }] }];
  });
  const divisor = macRatio === undefined ? 'the MAC ratio' : fmt(macRatio, 3);
  return lineChartSvg({ title: `img/s against ${reference}'s, block by block (target: ${reference}'s / ${divisor})`, xLabel: 'block', yLabel: `img/s / ${reference}'s`, series });
}

/** --paired: every model against the reference, each pair in its own fresh process. */
async function runPaired(models: string[], reference: string, opts: BenchOptions): Promise<string> {
  if (opts.blocks < 2) throw new UserError(`--blocks: at least 2 with --paired, got ${opts.blocks}`);
  const engine = describeBackend();
  const reports: string[] = [];
  const rows: ReturnType<typeof pairedRows> = [];
  const charted: Parameters<typeof pairedChart>[1] = [];
  let modes = '';
  // The reference against itself, when it is in the list, is the design's A/A control: a ratio of 1 within its CI.
  for (const m of models) {
    process.stderr.write(`${m} against ${reference}: ${opts.blocks} blocks of ${opts.steps} steps each, interleaved\n`);
    const r = await measurePairedInChild({ a: benchRequest(m, opts), b: benchRequest(reference, opts), blocks: opts.blocks, stepsPerBlock: opts.steps });
    reports.push(pairedReport(m, reference, r, opts.macRatio));
    rows.push(...pairedRows(m, reference, r));
    charted.push({ model: m, m: r, target: 1 / macDivisor(r, opts.macRatio) });
    modes += `${m} ${r.aMode}, ${reference} ${r.bMode}; `;
  }
  if (opts.out) atomicWriteFile(opts.out, toCsv(PAIRED_COLUMNS, rows));
  if (opts.chart) await writeChart(opts.chart, pairedChart(reference, charted, opts.macRatio));
  return `backend ${engine.name} (${engine.device}, ${engine.threads} threads); ${opts.size}x${opts.size}, training batch ${opts.batch}; ` +
    `each model and ${reference} trained in one fresh process after ${PLAN_RECORDING_STEPS + opts.warmup} untimed steps each, ${opts.blocks} blocks of ${opts.steps} steps of each in ABBA order; ` +
    `gradient passes: ${modes}a ratio is the geometric mean of the blocks' ratios, its CI a t interval over them\n` + reports.join('');
}

export async function runBench(models: string[], opts: BenchOptions): Promise<string> {
  for (const m of models) getModelDefinition(m);
  await selectBackend({ backend: opts.backend, device: opts.device, threads: opts.threads, cudaGraphs: opts.cudaGraphs });
  if (opts.paired !== undefined) {
    getModelDefinition(opts.paired);
    return runPaired(models, opts.paired, opts);
  }
  const engine = describeBackend();
  const kernelTables: string[] = [];
  let pytorch: PytorchResult | undefined;
  let counter: TensorCounter = 'tfjs';
  let note = opts.pytorch && opts.installBaseline ? baselineNote(installBaseline(opts.python)) : '';
  // Each model's PyTorch run follows ours at once, and a round measures every
  // model in turn: a shared machine's speed drifts by 10-40% over minutes,
  // and a ratio of runs far apart carries it.
  const byModel = new Map<string, BenchRow[]>(models.map((m) => [m, []]));
  for (let round = 0; round < opts.rounds; round++) {
    const measured: BenchRow[] = [];
    for (const m of models) {
      const r = await measureInChild(benchRequest(m, opts));
      counter = r.tensorCounter;
      const plan = r.planLatencyMs !== undefined
        ? ` (replayed plans: ${r.planTrainImgPerS?.toFixed(1)} img/s, ${r.planLatencyMs.toFixed(2)} ms)` : '';
      process.stderr.write(`${engine.name} ${m}: ${r.trainImgPerS.toFixed(1)} img/s, batch-1 latency ${r.latencyMs.toFixed(2)} ms${plan}\n`);
      if (round === 0) kernelTables.push(kernelTable(m, r));
      let pt: PytorchModel | undefined;
      if (opts.pytorch && !note) {
        const res = pytorchRun([m], opts, engine.threads);
        if (typeof res === 'string') note = baselineNote(res);
        else [pytorch, pt] = [res, res.models[m]];
      }
      measured.push(benchRow(m, r, engine, pt));
    }
    macSpeeds(measured);
    measured.forEach((row) => byModel.get(row.model)!.push(row));
  }
  const rows = [...byModel.values()].map(medianRow);
  const spread = opts.rounds > 1 ? [...byModel].map(([m, rounds]) => roundsLine(m, rounds)).join('') : '';
  if (opts.out) atomicWriteFile(opts.out, toCsv(COLUMNS, rows));
  const libtorch = engine.libtorchVersion ? `, libtorch ${engine.libtorchVersion}${engine.blas ? `, BLAS ${engine.blas}` : ''}` : '';
  const ptInfo = pytorch ? `; PyTorch ${pytorch.torch_version} eager (${opts.device}), ${pytorch.threads} threads${opts.channelsLast ? ', channels_last' : ', NCHW'}` : '';
  const graphsInfo = opts.compile && opts.cudaGraphs ? `; plans replayed through their own buffers${opts.device === 'cuda' ? ' as CUDA graphs' : ''} (--cuda-graphs)` : '';
  const roundsInfo = opts.rounds > 1 ? `; medians of ${opts.rounds} rounds, each model in turn, ours then PyTorch's (a ratio: the median of the rounds' ratios)` : '';
  return `backend ${engine.name} (${engine.device}, ${engine.threads} threads${libtorch})${ptInfo}; ` +
    `${opts.size}x${opts.size}, training batch ${opts.batch}, ${opts.steps} timed steps after ${opts.warmup} warm-up; ` +
    `batch-1 latency: batch norms folded into the convolutions on both sides, median of ${opts.latencyRuns} passes after ${opts.latencyWarmup} untimed${graphsInfo}${roundsInfo}\n` +
    note + table(rows, counter, opts.compile) + (spread ? `\n${spread}` : '') + macSpeedLines(byModel, opts.compile) + kernelTables.join('');
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
    .option('--install-baseline', `when Debian's PyTorch is missing, install it first (apt-get install -y ${DEBIAN_PACKAGES.join(' ')}, as root)`, false)
    .option('--channels-last', 'run PyTorch in channels_last memory format (default: its NCHW default)', false)
    .option('--kernels <n>', 'also time each kernel (host time) over as many training steps again and list the n slowest', positiveInt('--kernels'), 0)
    .option('--compile', 'also time training steps and batch-1 latency through recorded plans, replayed in one native call (torch backend)', false)
    .option('--cuda-graphs', 'with --compile: replay the plans as CUDA graphs captured once (runtime.cudaGraphs; on the CPU, through the same buffers without a capture)', false)
    .option('--rounds <n>', 'measure every model n times, in turn (ours, then PyTorch), and report medians', positiveInt('--rounds'), 1)
    .option('--paired <reference>', 'instead of rounds: train each model and the reference in one process, blocks of --steps steps interleaved (ABBA), and decide by a t-test over the blocks whether each trains at least as fast as its MACs promise')
    .option('--blocks <n>', 'with --paired: blocks of each model', positiveInt('--blocks'), 16)
    .option('--mac-ratio <x>', "with --paired: the claim is img/s >= the reference's / x (default: the built models' MAC ratio)", positiveNumber('--mac-ratio'))
    .option('--chart <base>', "with --paired: draw each block's ratio and each claim's target to <base>.svg and <base>.png")
    .option('--out <file>', 'also write the rows as CSV (with --paired: one row per block)')
    .action(async (args: string[], opts: BenchOptions) => {
      if (opts.steps < 1) throw new UserError('--steps: at least 1 timed step');
      process.stdout.write(await runBench(args.length > 0 ? args : DEFAULT_MODELS, opts));
    });
}
