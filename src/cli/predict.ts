import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../util/errors';
import { atomicWriteFile } from '../util/files';
import { Classifier, exportFolderClassifier, openRun, runClassifier } from '../ship/classifier';
import { collectImageFiles } from '../ship/inputs';
import { formatPredictions, PredictFormat, predictFiles } from '../ship/predict';
import { parseFold } from './train';

interface PredictCliOptions {
  run?: string;
  model?: string;
  checkpoint: string;
  fold?: number | number[] | 'all';
  tta?: boolean;
  top: string;
  format: string;
  out?: string;
  skipBad?: boolean;
}

function checkpointName(value: string): 'best' | 'last' {
  if (value !== 'best' && value !== 'last') throw new UserError(`--checkpoint ${value}: expected best or last`);
  return value;
}

/** --fold for commands that use one fold of a run. */
export function singleFold(fold: number | number[] | 'all' | undefined): number | undefined {
  if (fold === 'all' || Array.isArray(fold)) throw new UserError(`--fold ${fold}: this command uses one fold; give its index`);
  return fold;
}

async function openClassifier(o: PredictCliOptions): Promise<Classifier> {
  if ((o.run === undefined) === (o.model === undefined)) throw new UserError('predict: give exactly one of --run <runDir> or --model <exportDir>');
  if (o.model !== undefined) return exportFolderClassifier(o.model);
  return runClassifier(openRun(o.run!, checkpointName(o.checkpoint), singleFold(o.fold)));
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify image files with a run\'s checkpoint or an exported model: top-K classes, P(abnormal) and the call')
    .argument('<images...>', 'image files or folders (walked like a dataset folder)')
    .option('--run <runDir>', 'a run folder written by dresnet train (preprocessed exactly as the run)')
    .option('--model <exportDir>', 'a folder written by dresnet export (preprocessed as the export\'s page does)')
    .option('--checkpoint <best|last>', 'which checkpoint of --run', 'best')
    .option('--fold <i>', 'which fold of a k-fold --run (default: the first it trained)', parseFold)
    .option('--tta', 'average over the 8 flips and quarter turns')
    .option('--top <K>', 'classes listed per image', '3')
    .option('--format <table|csv|json>', 'output format', 'table')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--skip-bad', 'list unreadable images and go on, instead of stopping at the first')
    .action(async (images: string[], o: PredictCliOptions) => {
      const format = o.format as PredictFormat;
      if (!['table', 'csv', 'json'].includes(format)) throw new UserError(`--format ${o.format}: expected table, csv or json`);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 1) throw new UserError(`--top ${o.top}: expected a whole number >= 1`);
      const files = collectImageFiles(images);
      const classifier = await openClassifier(o);
      try {
        const { predictions, skipped } = await predictFiles(classifier, files, { tta: o.tta, top: Math.min(top, classifier.classes.length), skipBad: o.skipBad });
        const text = formatPredictions(classifier, predictions, skipped, format);
        if (o.out) {
          atomicWriteFile(path.resolve(o.out), text);
          process.stdout.write(`${predictions.length} image(s) classified${skipped.length ? `, ${skipped.length} skipped` : ''}: written to ${o.out}\n`);
        } else {
          process.stdout.write(text);
        }
      } finally {
        classifier.dispose();
      }
    });
}
