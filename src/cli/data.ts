import { Command, InvalidArgumentError } from 'commander';
import * as path from 'node:path';
import { loadRunConfig } from '../config/load';
import { benchDataPipeline } from '../data/bench';
import { classCounts, loadDataset, summarizeDataset } from '../data/dataset';
import { trainingProblems } from '../data/checks';
import { makeSplits, sampleGroupNames, testSplit } from '../data/splits';
import { DEFAULT_IMPORT_LIMITS, formatImportSummary, importHerlev } from '../data/import';
import { ensureSyntheticDataset } from '../data/synthetic';
import { UserError } from '../util/errors';
import { withConfigOptions } from './config';

function positiveInt(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} expects an integer >= ${min}, got "${value}"`);
    return n;
  };
}

function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a number > 0, got "${value}"`);
    return n;
  };
}

const MIB = 2 ** 20;

function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

const err = (line: string) => process.stderr.write(`${line}\n`);

function registerImport(data: Command): void {
  data
    .command('import')
    .description('import a dataset into a folder of class folders')
    .argument('<kind>', 'dataset kind: herlev')
    .argument('<source>', 'smear2005.zip, or a folder holding the Herlev class folders')
    .requiredOption('-o, --out <dir>', 'new (or empty) folder to write <class>/<image> into')
    .option('--max-entry-mb <MiB>', 'refuse a file larger than this', positiveNumber('--max-entry-mb'), DEFAULT_IMPORT_LIMITS.maxEntryBytes / MIB)
    .option('--max-total-mb <MiB>', 'refuse an import larger than this in all', positiveNumber('--max-total-mb'), DEFAULT_IMPORT_LIMITS.maxTotalBytes / MIB)
    .action(async (kind: string, source: string, opts: { out: string; maxEntryMb: number; maxTotalMb: number }) => {
      if (kind !== 'herlev') throw new UserError(`data import: unknown dataset kind "${kind}" (expected herlev)`);
      const limits = { maxEntryBytes: opts.maxEntryMb * MIB, maxTotalBytes: opts.maxTotalMb * MIB };
      const summary = await importHerlev(path.resolve(source), path.resolve(opts.out), err, limits);
      print(formatImportSummary(summary));
    });
}

function registerSynth(data: Command): void {
  data
    .command('synth')
    .description('draw a synthetic Pap-smear cell set (one PNG folder per class)')
    .requiredOption('-o, --out <dir>', 'new (or empty) folder')
    .option('-n, --n <perClass>', 'images per class', positiveInt('--n'), 100)
    .option('-k, --classes <k>', 'classes (grades), 2..7', positiveInt('--classes', 2), 4)
    .option('--size <px>', 'image side in pixels', positiveInt('--size', 16), 64)
    .option('--seed <seed>', 'random seed', positiveInt('--seed', 0), 42)
    .action(async (opts: { out: string; n: number; classes: number; size: number; seed: number }) => {
      if (opts.classes > 7) throw new UserError(`--classes expects 2..7, got ${opts.classes}`);
      await ensureSyntheticDataset(path.resolve(opts.out), { classes: opts.classes, perClass: opts.n, size: opts.size, seed: opts.seed }, err);
      print([`${opts.classes} classes x ${opts.n} images (${opts.size}x${opts.size}) in ${path.resolve(opts.out)}`]);
    });
}

function registerInfo(data: Command): void {
  withConfigOptions(
    data
      .command('info')
      .description("load a config's dataset (decoding every image, through the cache) and print the per-class counts and folds")
      .option('--skip-bad', 'leave unreadable images out and list them, instead of stopping at the first'),
  ).action(async (opts: { config: string; set: string[]; skipBad?: boolean }) => {
    const cfg = loadRunConfig(opts.config, [...opts.set, ...(opts.skipBad ? ['data.skipBad=true'] : [])]);
    const data = await loadDataset(cfg.data, { seed: cfg.seed, log: err });
    // Reported, not thrown: info is for looking at a dataset; train refuses a split that does not fit.
    const problems = trainingProblems(classCounts(data), data.classes, cfg.data.split, data.root);
    const groups = sampleGroupNames(data, cfg.data.split);
    const folds = makeSplits(data, cfg.data.split, cfg.seed, groups);
    const grouped = groups === undefined ? '' : ` by ${new Set(groups).size} groups (data.split.groupBy: ${cfg.data.split.groupBy}; no group in two folds)`;
    const split = `${cfg.data.split.type === 'kfold' ? `${folds.length}-fold stratified` : 'stratified holdout'}${grouped}`;
    print([
      ...summarizeDataset(data),
      `${split} (seed ${cfg.seed}): validation sizes ${folds.map((f) => f.val.length).join(', ')}${heldOut(testSplit(data, cfg.data.split, cfg.seed, groups))}`,
      ...problems.map((p) => `problem (train refuses this): ${p}`),
    ]);
  });
}

/** The held-out test split's size for data info's split line; nothing without one. */
function heldOut(test: readonly number[]): string {
  return test.length > 0 ? `; held-out test ${test.length} images (in no fold)` : '';
}

function registerBench(data: Command): void {
  data
    .command('bench')
    .description('images/s of the cached, augmented batch pipeline (Herlev if present, else synthetic)')
    .option('--size <px>', 'input size', positiveInt('--size', 16), 224)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 32)
    .option('--images <n>', 'images to stream per measurement (whole epochs)', positiveInt('--images'))
    .option('--workers <list>', 'comma-separated worker counts to measure (0: main thread)', '0,1,2')
    .option('--consumer <imgPerSec>', "the trainer's consumption rate to compare against", positiveNumber('--consumer'))
    .action(async (opts: { size: number; batchSize: number; images?: number; workers: string; consumer?: number }) => {
      const workers = opts.workers.split(',').map((w) => positiveInt('--workers', 0)(w.trim()));
      const result = await benchDataPipeline({ size: opts.size, batchSize: opts.batchSize, images: opts.images, workers, consumerImagesPerSecond: opts.consumer, log: err });
      print([`dataset: ${result.dataset} (prepared in ${result.prepareSeconds.toFixed(1)} s)`, ...result.lines]);
    });
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('datasets: import Herlev, draw synthetic cells, inspect, benchmark');
  registerImport(data);
  registerSynth(data);
  registerInfo(data);
  registerBench(data);
}
