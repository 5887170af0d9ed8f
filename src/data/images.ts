import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { atomicWriteFile, packageRoot } from '../util/files';
import { applyMask, decodeImageFile, resizeSquare } from './decode';
import type { ImageStore } from './store';
import type { Dataset, Log, Sample, SkippedFile } from './types';

export type { ImageStore } from './store';
export { imageAt } from './store';

/** A dataset whose samples (bad files already left out) line up with its decoded images. */
export interface LoadedDataset extends Dataset {
  images: ImageStore;
}

export interface LoadImagesOptions {
  log?: Log;
  /** Where the decoded-image cache lives; default $DRESNET_CACHE, else <package>/.cache. */
  cacheDir?: string;
}

/** Bumped when the cache layout or the decoding changes, so old caches are rebuilt. */
const CACHE_VERSION = 1;
const DECODE_CONCURRENCY = 4;

interface CacheHeader {
  version: number;
  key: string;
  size: number;
  count: number;
  skipped: SkippedFile[];
}

type ImageCfg = Pick<DataConfig, 'inputSize' | 'resize' | 'masks' | 'cache' | 'skipBad'>;

export function defaultCacheDir(): string {
  return process.env.DRESNET_CACHE || path.join(packageRoot(), '.cache');
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Size and modification time of a file, or the error code when it cannot be read. */
function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code}`;
  }
}

/**
 * The cache file is named by (file list, size, mode, masks); its header holds
 * a key over the files' sizes and mtimes, so a changed source file rebuilds
 * the entry in place instead of leaving stale ones behind.
 */
function cacheIdentity(samples: Sample[], cfg: ImageCfg): { file: string; key: string } {
  const what = JSON.stringify([CACHE_VERSION, cfg.inputSize, cfg.resize, cfg.masks, samples.map((s) => [s.path, s.maskPath ?? ''])]);
  const stamps = JSON.stringify(samples.map((s) => [fileStamp(s.path), s.maskPath ? fileStamp(s.maskPath) : '']));
  return { file: `images-${cfg.inputSize}-${cfg.resize}-${sha256(what).slice(0, 24)}.bin`, key: sha256(what + stamps) };
}

function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/** Reads exactly length bytes at position into target (readSync may return fewer per call). */
function readFully(fd: number, target: Uint8Array, position: number): void {
  for (let done = 0; done < target.length; ) {
    const n = fs.readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw new Error('cache file ended early');
    done += n;
  }
}

/** The cached pixels if the file is there and matches key; read straight into shared memory (no second copy). */
function readCache(file: string, key: string, size: number): { header: CacheHeader; pixels: Uint8Array } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const fileBytes = fs.fstatSync(fd).size;
    const lengthField = new Uint8Array(4);
    readFully(fd, lengthField, 0);
    const headerLength = Buffer.from(lengthField).readUInt32LE(0);
    if (4 + headerLength > fileBytes) return undefined;
    const headerBytes = new Uint8Array(headerLength);
    readFully(fd, headerBytes, 4);
    const header = JSON.parse(Buffer.from(headerBytes).toString('utf8')) as CacheHeader;
    const pixelBytes = header.count * size * size * 3;
    if (header.version !== CACHE_VERSION || header.key !== key || header.size !== size || fileBytes !== 4 + headerLength + pixelBytes) {
      return undefined;
    }
    const pixels = sharedBytes(pixelBytes);
    readFully(fd, pixels, 4 + headerLength);
    return { header, pixels };
  } catch {
    // A damaged cache file is rebuilt, never trusted.
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function writeCache(file: string, header: CacheHeader, pixels: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.byteLength, 0);
  atomicWriteFile(file, Buffer.concat([length, json, pixels]));
}

async function decodeSample(sample: Sample, cfg: ImageCfg): Promise<Uint8Array> {
  let image = await decodeImageFile(sample.path);
  if (cfg.masks && sample.maskPath) image = applyMask(image, await decodeImageFile(sample.maskPath), sample.maskPath);
  return resizeSquare(image, cfg.inputSize, cfg.resize);
}

function describeError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function badImageError(file: string, reason: string, manifest?: string): UserError {
  const hint = manifest ? `the split manifest ${manifest} lists it, so it cannot be skipped` : 'set data.skipBad: true, or --skip-bad, to leave bad files out';
  return new UserError(`${file}: cannot read image: ${reason} (${hint})`);
}

/** Decodes every sample (a few at a time); bad files either stop the load, naming the file, or are collected with skipBad. */
async function decodeAll(samples: Sample[], cfg: ImageCfg, log: Log, manifest?: string): Promise<{ pixels: Uint8Array; kept: number[]; skipped: SkippedFile[] }> {
  const stride = cfg.inputSize * cfg.inputSize * 3;
  const decoded: (Uint8Array | undefined)[] = new Array(samples.length);
  const skipped: SkippedFile[] = [];
  let next = 0;
  let done = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < samples.length) {
      const i = next++;
      try {
        decoded[i] = await decodeSample(samples[i], cfg);
      } catch (err) {
        const reason = describeError(err);
        if (!cfg.skipBad) {
          throw badImageError(samples[i].path, reason, manifest);
        }
        skipped.push({ path: samples[i].path, reason });
      }
      if (++done % 500 === 0) log(`  decoded ${done}/${samples.length}`);
    }
  };
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));
  const kept = decoded.flatMap((d, i) => (d ? [i] : []));
  const pixels = sharedBytes(kept.length * stride);
  kept.forEach((i, k) => pixels.set(decoded[i]!, k * stride));
  log(`decoded ${kept.length} images to ${cfg.inputSize}x${cfg.inputSize} (${cfg.resize}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { pixels, kept, skipped };
}

function withImages(dataset: Dataset, skipped: SkippedFile[], store: ImageStore): LoadedDataset {
  const bad = new Set(skipped.map((s) => s.path));
  const samples = dataset.samples.filter((s) => !bad.has(s.path));
  if (samples.length !== store.count) throw new Error(`image cache holds ${store.count} images for ${samples.length} samples`);
  if (samples.length === 0) throw new UserError(`data: no readable images in ${dataset.root}`);
  return { ...dataset, samples, skipped: [...dataset.skipped, ...skipped], images: store };
}

/**
 * Decodes and resizes the dataset's images, through the on-disk cache when
 * data.cache is on: the first load decodes, later loads (and epochs) only
 * read the cache file.
 */
export async function loadImages(dataset: Dataset, dataCfg: ImageCfg, opts: LoadImagesOptions = {}): Promise<LoadedDataset> {
  const log = opts.log ?? (() => {});
  // Leaving a file out would shift every index of the manifest's folds.
  const cfg = dataset.manifest ? { ...dataCfg, skipBad: false } : dataCfg;
  const size = cfg.inputSize;
  const { file, key } = cacheIdentity(dataset.samples, cfg);
  const cacheFile = path.join(opts.cacheDir ?? defaultCacheDir(), file);
  if (cfg.cache) {
    const hit = readCache(cacheFile, key, size);
    if (hit) {
      // A cache built with skipBad remembers the bad files; without skipBad they still stop the load.
      const bad = hit.header.skipped[0];
      if (bad && !cfg.skipBad) throw badImageError(bad.path, bad.reason, dataset.manifest);
      log(`image cache: ${cacheFile} (${hit.header.count} images)`);
      return withImages(dataset, hit.header.skipped, { size, count: hit.header.count, pixels: hit.pixels });
    }
  }
  const { pixels, kept, skipped } = await decodeAll(dataset.samples, cfg, log, dataset.manifest);
  if (cfg.cache) {
    writeCache(cacheFile, { version: CACHE_VERSION, key, size, count: kept.length, skipped }, pixels);
    log(`image cache written: ${cacheFile}`);
  }
  return withImages(dataset, skipped, { size, count: kept.length, pixels });
}
