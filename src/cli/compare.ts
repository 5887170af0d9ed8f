import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../util/errors';
import { getProtocol, getRun, loadSuite, Suite } from '../suite/load';
import { realPorts } from '../suite/ports';
import { runSuite } from '../suite/runner';
import { packageRoot } from '../util/files';
import { checkSuiteNames, insideRoot } from '../util/safe-names';

export interface SuiteCommandOptions {
  suite: string[];
  protocol: string;
  out?: string;
  runs?: string;
  folds?: string;
  sizesOnly?: boolean;
  probe: boolean;
  quiet?: boolean;
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
    .option('--no-probe', 'skip the memory/latency measurement')
    .option('-q, --quiet', 'no per-epoch progress lines');
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
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const file of opts.suite) {
    const suite = loadSuite(file);
    checkSuiteNames(suite, opts.protocol);
    const outDir = opts.out !== undefined ? path.resolve(opts.out) : insideRoot('results', path.join('results', suite.name), `${suite.file}: name`);
    const summary = await runSuite(suite, {
      protocol: opts.protocol,
      outDir,
      runs: parseRuns(opts.runs, suite),
      folds: parseFolds(opts.folds, suite, opts.protocol),
      sizesOnly: opts.sizesOnly,
      probe: opts.probe,
    }, realPorts({ quiet: opts.quiet ?? false, log }));
    process.stdout.write(
      `${suite.name}: ${summary.trained.length} fold(s) trained, ${summary.reused.length} reused; tables in ${path.relative(process.cwd(), outDir) || '.'}/table.md\n`,
    );
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
