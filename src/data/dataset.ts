import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { packageRoot } from '../util/files';
import { defaultCacheDir, loadImages, LoadedDataset } from './images';
import { scanCsvDataset, scanFolderDataset } from './scan';
import { ensureSyntheticDataset, SYNTHETIC_GENERATOR_VERSION, SyntheticOptions } from './synthetic';
import type { Dataset, Log } from './types';
import { applyClassDeclarations } from './roles';

export interface DatasetOptions {
  /** The run seed (the synthetic set is drawn from it). */
  seed: number;
  log?: Log;
  /** Root of the on-disk caches (decoded images, generated synthetic sets); default $DRESNET_CACHE, else <package>/.cache. */
  cacheDir?: string;
}

/** Where Herlev is read when the config names no path: $DRESNET_HERLEV, else the shared copy beside the checkout. */
export function defaultHerlevPath(): string {
  return process.env.DRESNET_HERLEV || path.join(packageRoot(), '..', 'shared', 'data', 'herlev');
}

function syntheticOptions(cfg: DataConfig, seed: number): SyntheticOptions {
  return { classes: cfg.synthetic.classes, perClass: cfg.synthetic.perClass, size: cfg.synthetic.imageSize, seed };
}

function requirePath(cfg: DataConfig): string {
  if (!cfg.path) throw new UserError(`data.path: source "${cfg.source}" needs data.path (a ${cfg.source === 'csv' ? 'CSV manifest' : 'folder with one sub-folder per class'})`);
  const resolved = path.resolve(cfg.path);
  if (!fs.existsSync(resolved)) throw new UserError(`data.path: ${resolved} does not exist`);
  return resolved;
}

/**
 * The dataset a config names: the file list and labels, with the task
 * mapping applied, without decoding anything. A synthetic source is drawn
 * (once; later calls reuse it) into data.path or the cache folder.
 */
export async function scanDataset(cfg: DataConfig, opts: DatasetOptions): Promise<Dataset> {
  return applyClassDeclarations(await scanSource(cfg, opts), cfg);
}

async function scanSource(cfg: DataConfig, opts: DatasetOptions): Promise<Dataset> {
  switch (cfg.source) {
    case 'synthetic': {
      const synth = syntheticOptions(cfg, opts.seed);
      const dir = cfg.path
        ? path.resolve(cfg.path)
        : path.join(opts.cacheDir ?? defaultCacheDir(), 'synthetic', `v${SYNTHETIC_GENERATOR_VERSION}-k${synth.classes}-n${synth.perClass}-s${synth.size}-seed${synth.seed}`);
      await ensureSyntheticDataset(dir, synth, opts.log);
      return scanFolderDataset(dir, { source: cfg.source, task: cfg.task, masks: false });
    }
    case 'herlev': {
      const root = path.resolve(cfg.path ?? defaultHerlevPath());
      if (!fs.existsSync(root)) {
        throw new UserError(`data.path: Herlev not found at ${root}; import it with "dresnet data import herlev <smear2005.zip> --out <dir>" and set data.path (or $DRESNET_HERLEV)`);
      }
      return scanFolderDataset(root, cfg);
    }
    case 'folder':
      return scanFolderDataset(requirePath(cfg), cfg);
    case 'csv':
      return scanCsvDataset(requirePath(cfg), cfg);
  }
}

/**
 * The dataset a config names, with every image decoded and resized to
 * data.inputSize (through the disk cache). Samples that could not be read
 * are already left out (with data.skipBad) and listed in `skipped`, so
 * splits made from the result line up with its images.
 */
export async function loadDataset(cfg: DataConfig, opts: DatasetOptions): Promise<LoadedDataset> {
  const dataset = await scanDataset(cfg, opts);
  for (const finding of dataset.findings ?? []) opts.log?.(`data: ${finding}`);
  if (cfg.masks && !dataset.samples.some((s) => s.maskPath)) {
    opts.log?.(`data.masks: no -d.bmp masks beside the images in ${dataset.root}; the images are used whole`);
  }
  const loaded = await loadImages(dataset, cfg, { log: opts.log, cacheDir: opts.cacheDir });
  // Said once the data is known to load, so a data error stays the only line.
  if (dataset.roles === undefined) {
    opts.log?.('data.roles: no class is declared normal, benign or abnormal, so sensitivity, specificity and AUC are off (declare a role for every class to turn them on)');
  }
  return loaded;
}

/** Images per class, in label order. */
export function classCounts(dataset: Dataset): number[] {
  const counts = dataset.classes.map(() => 0);
  for (const s of dataset.samples) counts[s.label]++;
  return counts;
}

/** A per-class table, the ignored/skipped files and what the scan noticed, for the CLI. */
export function summarizeDataset(dataset: Dataset): string[] {
  const counts = classCounts(dataset);
  const width = Math.max(5, ...dataset.classes.map((c) => c.length));
  const lines = [
    `dataset: ${dataset.root} (source ${dataset.source}, task ${dataset.task})`,
    ...dataset.classes.map((c, i) => `  ${String(i).padStart(2)}  ${c.padEnd(width)}  ${String(counts[i]).padStart(6)}`),
    `      ${'total'.padEnd(width)}  ${String(dataset.samples.length).padStart(6)}`,
  ];
  if (dataset.ignoredFiles > 0) lines.push(`ignored ${dataset.ignoredFiles} non-image file(s)`);
  lines.push(...(dataset.findings ?? []));
  if (dataset.skipped.length > 0) {
    lines.push(`skipped ${dataset.skipped.length} unreadable image(s):`, ...dataset.skipped.map((s) => `  ${s.path}: ${s.reason}`));
  }
  return lines;
}
