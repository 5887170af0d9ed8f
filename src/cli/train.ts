import { Command, InvalidArgumentError } from 'commander';
import { loadRunConfig } from '../config/load';
import { UserError } from '../util/errors';
import { withConfigOptions } from './config';
import { defaultProgressMode } from '../train/progress';
import { checkRunConfig } from '../train/preflight';
import { resumeRun, trainRun } from '../train/trainer';
import { RunResult, TrainRunOptions } from '../train/run-types';

interface TrainCliOptions {
  config?: string;
  set: string[];
  fold?: number | number[] | 'all';
  backend?: string;
  threads?: number;
  resume?: string;
  out?: string;
  quiet?: boolean;
  skipBad?: boolean;
  stopAfterEpoch?: number;
}

export function parseFold(value: string): number | number[] | 'all' {
  if (value === 'all') return 'all';
  if (!/^\d+(,\d+)*$/.test(value)) throw new InvalidArgumentError('expected a fold index (0, 1, ...), a list of them (0,2,4) or "all"');
  const folds = value.split(',').map(Number);
  return folds.length === 1 ? folds[0] : folds;
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** --backend/--threads/--quiet/--out/--skip-bad are shorthands for config keys, so the schema validates them with the rest. */
function runtimeOverrides(o: TrainCliOptions): string[] {
  return [
    ...(o.backend !== undefined ? [`runtime.backend=${o.backend}`] : []),
    ...(o.threads !== undefined ? [`runtime.threads=${o.threads}`] : []),
    ...(o.quiet ? ['runtime.quiet=true'] : []),
    ...(o.skipBad ? ['data.skipBad=true'] : []),
    ...(o.out !== undefined ? [`runtime.outDir=${JSON.stringify(o.out)}`] : []),
  ];
}

export function formatRunSummary(run: RunResult): string[] {
  const lines = run.folds.map((f) =>
    `fold ${f.fold}: ${f.status}, ${f.epochsDone} epochs` +
    (f.final ? `, val top-1 ${(100 * f.final.top1).toFixed(2)}%` : '') +
    (f.final?.clinical ? `, AUC ${f.final.clinical.auc.toFixed(4)}` : '') +
    (f.test ? `, test top-1 ${(100 * f.test.top1).toFixed(2)}%` : ''));
  const top1 = run.summary.val_top1;
  if (top1 && run.folds.length > 1) lines.push(`val top-1 over ${run.folds.length} folds: ${(100 * top1.mean).toFixed(2)} ± ${(100 * top1.std).toFixed(2)}%`);
  lines.push(`run folder: ${run.runDir}`);
  const test = testLine(run);
  return test ? [...lines, test] : lines;
}

/** The held-out test split's top-1, the run's last word when it has one: each fold's last checkpoint, their mean ± std over several. */
function testLine(run: RunResult): string | undefined {
  const tested = run.folds.filter((f) => f.test);
  const top1 = run.summary.test_top1;
  if (tested.length === 0) return undefined;
  const images = `test top-1 on ${tested[0].test!.n} held-out images`;
  if (top1 && tested.length > 1) return `${images}: ${(100 * top1.mean).toFixed(2)} ± ${(100 * top1.std).toFixed(2)}% over ${tested.length} folds`;
  return `${images}: ${(100 * tested[0].test!.top1).toFixed(2)}%`;
}

/** The exit code of a process stopped by a signal, as shells report it: 128 + the signal's number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * SIGINT (Ctrl-C) or SIGTERM asks the trainer to finish the current step,
 * save last/ and stop; a second signal exits at once. That is safe for the
 * checkpoints: each is written into a temp folder and renamed into place
 * synchronously, so no signal handler can run between its two renames (a
 * left temp folder is removed by the next run in that folder).
 */
function installInterrupt(): { flag: { stop: boolean }; signal: () => StopSignal | undefined; remove: () => void } {
  const flag = { stop: false };
  let received: StopSignal | undefined;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]).map((sig) => {
    const onSignal = () => {
      if (flag.stop) {
        process.stderr.write(`\n${sig} again: quitting now; the last checkpoint saved is kept\n`);
        process.exit(SIGNAL_EXIT_CODES[sig]);
      }
      flag.stop = true;
      received = sig;
      process.stderr.write(`\n${sig}: saving a checkpoint after this step (send it again to quit at once)\n`);
    };
    process.on(sig, onSignal);
    return () => process.off(sig, onSignal);
  });
  return { flag, signal: () => received, remove: () => handlers.forEach((off) => off()) };
}

export function registerTrainCommand(program: Command): void {
  withConfigOptions(program.command('train').description('train a model (one fold or all folds) into runs/<name>-<time>/'), false)
    .option('--fold <i|i,j,...|all>', 'fold(s) to train (overrides train.fold); several give mean ± std over them', parseFold)
    .option('--backend <name>', 'torch | tensorflow | cpu | auto (runtime.backend)')
    .option('--threads <n>', 'intra-op threads, 0 = all cores (runtime.threads)', parseCount)
    .option('--out <dir>', 'parent folder of run folders (runtime.outDir)')
    .option('--resume <runDir>', 'continue an interrupted run from its last checkpoint (uses the run\'s own config)')
    .option('-q, --quiet', 'plain per-epoch lines, no progress bar')
    .option('--skip-bad', 'leave unreadable images out and list them (data.skipBad)')
    .option('--stop-after-epoch <n>', 'debug: stop like an interruption once n epochs of a fold are done', parseCount)
    .action(async (o: TrainCliOptions) => {
      if (o.resume && (o.config || o.set.length > 0 || o.fold !== undefined || o.backend || o.threads !== undefined || o.out || o.skipBad)) {
        throw new UserError('--resume continues a run with its own config.yaml; drop --config/--set/--fold/--backend/--threads/--out/--skip-bad');
      }
      if (!o.resume && !o.config) throw new UserError('train: expected --config <file> (or --resume <runDir>)');
      const config = o.resume ? undefined : loadRunConfig(o.config!, [...o.set, ...runtimeOverrides(o)]);
      if (config) checkRunConfig(config, o.config!);
      const interrupt = installInterrupt();
      const opts: TrainRunOptions = {
        fold: o.fold,
        stopAfterEpoch: o.stopAfterEpoch,
        progress: defaultProgressMode(Boolean(o.quiet || config?.runtime.quiet)),
        interrupt: interrupt.flag,
      };
      let run: RunResult;
      try {
        run = config ? await trainRun(config, opts) : await resumeRun(o.resume!, opts);
      } finally {
        interrupt.remove();
      }
      for (const line of formatRunSummary(run)) process.stdout.write(`${line}\n`);
      if (run.status === 'interrupted') {
        process.stdout.write(`interrupted; continue with: dresnet train --resume ${run.runDir}\n`);
        const sig = interrupt.signal();
        if (sig) process.exitCode = SIGNAL_EXIT_CODES[sig];
      }
    });
}
