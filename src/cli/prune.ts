import { Command, InvalidArgumentError } from 'commander';
import { UserError } from '../util/errors';
import { defaultProgressMode } from '../train/progress';
import { PRUNE_METHODS, pruneFold, PruneMethod } from '../prune';
import { formatRunSummary, parseCount } from './train';

interface PruneCliOptions {
  run: string;
  ratio: number;
  method: string;
  finetuneEpochs?: number;
  fold?: number;
  checkpoint: string;
  set: string[];
  out?: string;
  quiet?: boolean;
}

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number >= 0 and < 1');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerPruneCommand(program: Command): void {
  program
    .command('prune')
    .description('prune a trained run\'s channels (fewer filters, not masks) and fine-tune the smaller model into a new run folder')
    .requiredOption('--run <runDir>', 'a run folder written by dresnet train')
    .requiredOption('--ratio <r>', 'share of channels to remove, >= 0 and < 1', parseRatio)
    .option('--method <l1|slim>', 'l1: per layer by filter L1 norm (Li et al. 2017); slim: one global |gamma| threshold (Liu et al. 2017)', 'l1')
    .option('--finetune-epochs <n>', 'fine-tuning epochs (default: the parent\'s train.epochs)', parseCount)
    .option('--fold <i>', 'the parent\'s fold, when it trained several', parseCount)
    .option('--checkpoint <best|last>', 'the parent\'s checkpoint to prune', 'best')
    .option('-s, --set <key=value>', 'override a key of the fine-tuning config, e.g. train.optimizer.lr=0.001 (repeatable)', collect, [])
    .option('--out <runDir>', 'the pruned run\'s folder (default: beside the parent, <parent>-<method><ratio>)')
    .option('-q, --quiet', 'plain per-epoch lines, no progress bar')
    .action(async (o: PruneCliOptions) => {
      if (!PRUNE_METHODS.includes(o.method as PruneMethod)) throw new UserError(`--method ${o.method}: expected one of ${PRUNE_METHODS.join(', ')}`);
      if (o.checkpoint !== 'best' && o.checkpoint !== 'last') throw new UserError(`--checkpoint ${o.checkpoint}: expected best or last`);
      const run = await pruneFold(o.run, {
        ratio: o.ratio,
        method: o.method as PruneMethod,
        finetuneEpochs: o.finetuneEpochs,
        fold: o.fold,
        checkpoint: o.checkpoint,
        set: o.set,
        runDir: o.out,
        progress: defaultProgressMode(Boolean(o.quiet)),
      });
      for (const line of formatRunSummary(run)) process.stdout.write(`${line}\n`);
    });
}
