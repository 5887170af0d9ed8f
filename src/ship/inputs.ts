/**
 * What predict reads: image files named on the command line, or found by
 * walking folders the way a dataset folder is scanned (image extensions,
 * Herlev's -d.bmp masks left out), and the run's preprocessing of one file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/run-config';
import { applyMask, decodeImageFile, resizeSquare, RgbImage } from '../data/decode';
import { IDENTITY, renderSample } from '../data/augment';
import { isImageFile, isMaskFile, maskFor } from '../data/scan';
import type { Normalization } from '../data/types';
import { UserError } from '../util/errors';

/** The files to classify, in the order given, each folder's images sorted by path. */
export function collectImageFiles(args: readonly string[]): string[] {
  if (args.length === 0) throw new UserError('predict: no image or folder given');
  return args.flatMap((arg) => {
    const file = path.resolve(arg);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      throw new UserError(`${arg}: no such file or folder`);
    }
    return st.isDirectory() ? walkImages(file) : [file];
  });
}

function walkImages(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walkImages(full));
    else if (entry.isFile() && isImageFile(entry.name) && !isMaskFile(entry.name)) found.push(full);
  }
  if (found.length === 0) throw new UserError(`${dir}: no image files in this folder (looked for ${['.bmp', '.png', '.jpg', '...'].join(' ')})`);
  return found;
}

/** Decodes a file, naming it and the decoder's reason when it cannot. */
export async function decodeOrExplain(file: string): Promise<RgbImage> {
  try {
    return await decodeImageFile(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message.split('\n')[0];
    throw new UserError(`${file}: cannot read image: ${reason} (expected an image file: ${['BMP', 'PNG', 'JPEG', 'TIFF', 'WebP'].join(', ')})`);
  }
}

/** The segmentation mask beside an image, found by the dataset scan's rule. */
function maskBeside(file: string): string | undefined {
  const mask = maskFor(path.basename(file), new Set(fs.readdirSync(path.dirname(file))));
  return mask === undefined ? undefined : path.join(path.dirname(file), mask);
}

/** An image decoded, masked when the run trained on masked cells, and resized exactly as the run's data pipeline does. */
export async function runPixels(file: string, data: Pick<DataConfig, 'inputSize' | 'resize' | 'masks'>): Promise<Uint8Array> {
  let image = await decodeOrExplain(file);
  const mask = data.masks ? maskBeside(file) : undefined;
  if (mask) image = applyMask(image, await decodeOrExplain(mask), mask);
  return resizeSquare(image, data.inputSize, data.resize);
}

/**
 * The eight flips and quarter turns of the square (source-position matrices
 * of renderSample); test-time augmentation averages over them. The first is
 * the identity: without TTA only it is used.
 */
const DIHEDRAL: [number, number, number, number][] = [
  [1, 0, 0, 1], [-1, 0, 0, 1], [1, 0, 0, -1], [-1, 0, 0, -1],
  [0, -1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 0], [0, -1, -1, 0],
];

/** The normalised model input(s) of one resized image: one view, or the eight of TTA. */
export function modelInputs(pixels: Uint8Array, size: number, normalization: Normalization, tta: boolean): Float32Array[] {
  return DIHEDRAL.slice(0, tta ? DIHEDRAL.length : 1).map((matrix) => {
    const out = new Float32Array(size * size * 3);
    renderSample(pixels, size, { ...IDENTITY, matrix }, normalization, out, 0);
    return out;
  });
}
