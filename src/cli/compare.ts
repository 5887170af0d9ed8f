import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../util/errors';
import { createFoldProgressBoard, defaultBoardMode, FoldProgressBoard } from '../suite/fold-progress';
import { cardWorkers, largestTrainingPeak, readCardMemory } from '../suite/gpu-share';
import { getProtocol, getRun, loadSuite, Suite } from '../suite/load';
import { realPorts } from '../suite/ports';
import { openQueueCoordinator } from '../suite/queue';
import { runSuite, SuitePorts } from '../suite/runner';
import { defaultWorkerCount, localWorkerPorts } from '../suite/workers';
import { packageRoot } from '../util/files';
import { checkSuiteNames, insideRoot } from '../util/safe-names';

export interface SuiteCommandOptions {
  suite: string[];
  protocol: string;
  out?: string;
  runs?: string;
  folds?: string;
  sizesOnly?: boolean;
  measureOnly?: boolean;
  probe: boolean;
  quiet?: boolean;
  workers?: string;
  queue?: string;
  device?: string;
}

export function defaultSuite(name: string): string {
  return path.join(packageRoot(), 'experiments', `${name}.yaml`);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The options `compare` and `ablate` share. */
export function withSuiteOptions(cmd: Command): Command {
  return cmd
    .option('--suite <file>', 'suite file (repeatable)', collect)
    .option('-p, --protocol <name>', 'protocol of the suite: quick (a 2-core CPU) or paper (224 px, a GPU)', 'quick')
    .option('-o, --out <dir>', 'results folder (default: results/<suite name>)')
    .option('--runs <ids>', 'only these run ids, comma-separated')
    .option('--folds <list>', 'only these folds, comma-separated (default: all of the protocol)')
    .option('--sizes-only', 'write the deterministic columns and the tables, train nothing')
    .option('--measure-only', 'measure memory and latency of the runs with finished fold-runs and write the tables, train nothing')
    .option('--no-probe', 'skip the memory/latency measurement')
    .option('--workers <n>', "fold-runs trained at once, each in its own process (default: the cores / the protocol's threads; with cuda, as many as fit on the card)")
    .option('--queue <url>', 'put the fold-runs on a Redis queue (redis://HOST:PORT[/db]) for `dresnet worker` processes on any machine, and collect their results')
    .option('--device <device>', "cpu or cuda: overrides the protocol's device")
    .option('-q, --quiet', 'no per-epoch progress lines');
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--workers ${value}: expected a whole number >= 1`);
  return n;
}

/** The suite with --device applied to the protocol (so the config hashes, and the runs' folders, follow the device). */
function withDevice(suite: Suite, protocol: string, device: string | undefined): Suite {
  if (device === undefined) return suite;
  if (device !== 'cpu' && device !== 'cuda') throw new UserError(`--device ${device}: expected cpu or cuda`);
  return { ...suite, protocols: { ...suite.protocols, [protocol]: { ...getProtocol(suite, protocol), device } } };
}

/** How one suite's fold-runs are trained: on a queue's workers, or in local child processes, and how many at once. */
async function trainingPorts(suite: Suite, opts: SuiteCommandOptions, base: SuitePorts, board: FoldProgressBoard, runs: readonly string[]): Promise<{ ports: SuitePorts; concurrency: number; close(): Promise<void> }> {
  if (opts.queue !== undefined) {
    if (opts.workers !== undefined) throw new UserError('--workers and --queue: the queue\'s workers decide how many run at once (dresnet worker --concurrency N)');
    const coordinator = await openQueueCoordinator(opts.queue, board);
    board.log(`${suite.name}: the fold-runs go on the queue ${opts.queue}; start workers with \`dresnet worker --queue ${opts.queue}\``);
    return { ports: { ...base, trainFold: coordinator.trainFold }, concurrency: Infinity, close: coordinator.close };
  }
  const protocol = getProtocol(suite, opts.protocol);
  let workers = parseWorkers(opts.workers);
  if (protocol.device === 'cuda' && !opts.sizesOnly && !opts.measureOnly) {
    const largest = await largestTrainingPeak(suite, opts.protocol, runs, base.probe);
    const share = cardWorkers(readCardMemory(), largest.peakTensorMB, largest.runId, { requested: workers, cores: os.availableParallelism() });
    board.log(share.line);
    workers = share.workers;
  }
  const local = localWorkerPorts(base, board);
  return { ports: local, concurrency: workers ?? defaultWorkerCount(protocol), close: async () => local.dispose() };
}

function parseFolds(list: string | undefined, suite: Suite, protocol: string): number[] | undefined {
  if (list === undefined) return undefined;
  const count = getProtocol(suite, protocol).folds;
  return list.split(',').map((f) => {
    const n = Number(f.trim());
    if (!Number.isInteger(n) || n < 0 || n >= count) throw new UserError(`--folds ${list}: "${f}" is not a fold of protocol ${protocol} (0..${count - 1})`);
    return n;
  });
}

function parseRuns(list: string | undefined, suite: Suite): string[] | undefined {
  return list?.split(',').map((id) => getRun(suite, id.trim()).id);
}

/** Runs each suite in turn (missing folds trained, finished ones reused) and prints where the tables went. */
export async function runSuiteCommand(opts: SuiteCommandOptions): Promise<void> {
  if (opts.out !== undefined && opts.suite.length > 1) throw new UserError('--out takes one --suite');
  const board = createFoldProgressBoard(defaultBoardMode(opts.quiet ?? false));
  try {
    for (const file of opts.suite) await runOneSuite(file, opts, board);
  } finally {
    board.stop();
  }
}

async function runOneSuite(file: string, opts: SuiteCommandOptions, board: FoldProgressBoard): Promise<void> {
  if (opts.measureOnly && (opts.sizesOnly || !opts.probe)) throw new UserError('--measure-only measures memory and latency: it goes with neither --sizes-only nor --no-probe');
  const suite = withDevice(loadSuite(file), opts.protocol, opts.device);
  checkSuiteNames(suite, opts.protocol);
  const outDir = opts.out !== undefined ? path.resolve(opts.out) : insideRoot('results', path.join('results', suite.name), `${suite.file}: name`);
  const runs = parseRuns(opts.runs, suite);
  const base = realPorts({ quiet: opts.quiet ?? false, log: board.log });
  const training = await trainingPorts(suite, opts, base, board, runs ?? suite.runs.map((r) => r.id));
  try {
    const summary = await runSuite(suite, {
      protocol: opts.protocol,
      outDir,
      runs,
      folds: parseFolds(opts.folds, suite, opts.protocol),
      sizesOnly: opts.sizesOnly,
      measureOnly: opts.measureOnly,
      probe: opts.probe,
      concurrency: training.concurrency,
    }, training.ports);
    process.stdout.write(
      `${suite.name}: ${summary.trained.length} fold(s) trained, ${summary.reused.length} reused; tables in ${path.relative(process.cwd(), outDir) || '.'}/table.md\n`,
    );
  } finally {
    await training.close();
  }
}

export function registerCompareCommand(program: Command): void {
  withSuiteOptions(
    program.command('compare')
      .description('Tables 3 and 4: train what is missing, then write results/<suite>/ (runs.csv, table.csv, table.md, figures)'),
  ).action(async (opts: Omit<SuiteCommandOptions, 'suite'> & { suite?: string[] }) => {
    await runSuiteCommand({ ...opts, suite: opts.suite ?? [defaultSuite('table3'), defaultSuite('table4')] });
  });
}
