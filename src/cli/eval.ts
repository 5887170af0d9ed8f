import * as path from 'node:path';
import { Command } from 'commander';
import { loadRunConfig } from '../config/load';
import { UserError } from '../util/errors';
import { parseFold } from './train';
import { evaluateRun } from '../train/evaluate';
import { isRunFolder } from '../train/run-folder';

interface EvalCliOptions {
  run: string;
  checkpoint: string;
  data?: string;
  set: string[];
  fold?: number | number[] | 'all';
  out?: string;
  quiet?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('re-evaluate a run\'s checkpoint on its own validation split(s) or on other data')
    .requiredOption('--run <runDir>', 'a run folder written by dresnet train')
    .option('--checkpoint <best|last>', 'which checkpoint (best/ was selected on the validation split it is evaluated on: optimistic there)', 'last')
    .option('--data <path>', 'evaluate on the dataset at this path instead (the run\'s data.source; change it with --set data.source=...)')
    .option('-s, --set <key=value>', 'override a data.* key of the run\'s config for --data (repeatable)', collect, [])
    .option('--fold <i|all>', 'fold(s) to evaluate (default: every fold the run trained)', parseFold)
    .option('--out <dir>', 'where to write (default <run>/eval-<checkpoint>[-<data>])')
    .option('-q, --quiet', 'no progress lines')
    .action(async (o: EvalCliOptions) => {
      if (o.checkpoint !== 'best' && o.checkpoint !== 'last') throw new UserError(`--checkpoint ${o.checkpoint}: expected best or last`);
      if (!isRunFolder(o.run)) throw new UserError(`--run ${o.run}: no config.yaml and split.json there (not a dresnet run folder)`);
      const bad = o.set.find((s) => !s.startsWith('data.'));
      if (bad) throw new UserError(`--set ${bad}: eval only takes data.* overrides (the model and training are the run's)`);
      const otherData = o.data !== undefined || o.set.length > 0;
      const overrides = [...(o.data !== undefined ? [`data.path=${JSON.stringify(path.resolve(o.data))}`] : []), ...o.set];
      const data = otherData ? loadRunConfig(path.join(o.run, 'config.yaml'), overrides).data : undefined;
      const result = await evaluateRun(o.run, {
        checkpoint: o.checkpoint,
        data,
        fold: o.fold,
        outDir: o.out,
        progress: o.quiet ? 'silent' : 'lines',
      });
      for (const f of result.folds) {
        const c = f.metrics.clinical;
        process.stdout.write(
          `fold ${f.fold}: top-1 ${(100 * f.metrics.top1).toFixed(2)}%` +
          (f.metrics.top5 !== undefined ? `, top-5 ${(100 * f.metrics.top5).toFixed(2)}%` : '') +
          `, macro-F1 ${f.metrics.macroF1.toFixed(4)}` +
          (c ? `, sensitivity ${c.sensitivity.toFixed(4)}, specificity ${c.specificity.toFixed(4)}, AUC ${c.auc.toFixed(4)}` : '') + '\n',
        );
      }
      const top1 = result.summary.top1;
      if (top1 && result.folds.length > 1) process.stdout.write(`top-1 over ${result.folds.length} folds: ${(100 * top1.mean).toFixed(2)} ± ${(100 * top1.std).toFixed(2)}%\n`);
      if (result.warning) process.stdout.write(`note: ${result.warning}\n`);
      process.stdout.write(`written to ${result.outDir} (metrics, confusion, per-class and predictions.csv)\n`);
    });
}
