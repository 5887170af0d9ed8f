import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decode as decodeBmp } from 'fast-bmp';
import type { DataConfig } from '../config/run-config';

/** An 8-bit RGB image, row-major HWC. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

function isBmp(bytes: Uint8Array, file: string): boolean {
  return path.extname(file).toLowerCase() === '.bmp' || (bytes[0] === 0x42 && bytes[1] === 0x4d);
}

/** Expands grey or drops alpha so every decoder hands back 3 channels. */
function toRgb(data: Uint8Array, pixels: number, channels: number): Uint8Array {
  if (channels === 3) return data;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = data[i * channels + (channels === 1 ? 0 : c)];
  }
  return out;
}

/** BMP goes through fast-bmp (sharp/libvips has no BMP loader). */
function decodeBmpFile(bytes: Uint8Array): RgbImage {
  let bmp: ReturnType<typeof decodeBmp>;
  try {
    bmp = decodeBmp(bytes);
  } catch (err) {
    // The decoder reports a short file as a raw DataView range error.
    throw new Error(`invalid or truncated BMP (${(err as Error).message})`);
  }
  if (bmp.bitsPerPixel === 1) throw new Error('1-bit BMP is not a supported image format');
  const data = bmp.data instanceof Uint8Array ? bmp.data : new Uint8Array(bmp.data);
  return { data: toRgb(data, bmp.width * bmp.height, bmp.channels), width: bmp.width, height: bmp.height };
}

async function decodeWithSharp(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { failOn: 'truncated' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: toRgb(data, info.width * info.height, info.channels), width: info.width, height: info.height };
}

/** Decodes any supported image file to RGB. Throws (with the decoder's reason) on a corrupt file. */
export async function decodeImageFile(file: string): Promise<RgbImage> {
  const bytes = await fs.promises.readFile(file);
  if (bytes.byteLength === 0) throw new Error('empty file');
  const image = isBmp(bytes, file) ? decodeBmpFile(bytes) : await decodeWithSharp(bytes);
  if (image.width <= 0 || image.height <= 0) throw new Error(`bad image size ${image.width}x${image.height}`);
  return image;
}

/** The colour that occurs most often on a mask's border: its background label. */
function borderColour(mask: RgbImage): number {
  const counts = new Map<number, number>();
  const { width: w, height: h, data } = mask;
  const add = (x: number, y: number) => {
    const i = (y * w + x) * 3;
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (let x = 0; x < w; x++) add(x, 0), add(x, h - 1);
  for (let y = 0; y < h; y++) add(0, y), add(w - 1, y);
  return [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/**
 * Blanks (to black) the pixels a segmentation mask marks as background, so
 * the network sees the cell only. The background label is read from the
 * mask's border, which keeps this independent of the mask's colour coding.
 */
export function applyMask(image: RgbImage, mask: RgbImage, maskFile: string): RgbImage {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new Error(`mask ${maskFile} is ${mask.width}x${mask.height}, the image ${image.width}x${image.height}`);
  }
  const bg = borderColour(mask);
  const out = Uint8Array.from(image.data);
  for (let i = 0; i < image.width * image.height; i++) {
    const key = (mask.data[i * 3] << 16) | (mask.data[i * 3 + 1] << 8) | mask.data[i * 3 + 2];
    if (key === bg) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = 0;
  }
  return { data: out, width: image.width, height: image.height };
}

/**
 * Resizes to size x size. 'pad' fits the whole image inside, keeping the
 * aspect, and fills the margins by repeating the edge pixels (a constant
 * colour would draw a hard border the network could learn from); 'crop'
 * covers the square and cuts the centre.
 */
export async function resizeSquare(image: RgbImage, size: number, mode: DataConfig['resize']): Promise<Uint8Array> {
  const raw = { raw: { width: image.width, height: image.height, channels: 3 as const } };
  let pipeline = sharp(image.data, raw);
  if (mode === 'crop') {
    pipeline = pipeline.resize(size, size, { fit: 'cover', position: 'centre' });
  } else {
    const scale = size / Math.max(image.width, image.height);
    const w = Math.min(size, Math.max(1, Math.round(image.width * scale)));
    const h = Math.min(size, Math.max(1, Math.round(image.height * scale)));
    const left = Math.floor((size - w) / 2);
    const top = Math.floor((size - h) / 2);
    pipeline = pipeline
      .resize(w, h, { fit: 'fill' })
      .extend({ left, right: size - w - left, top, bottom: size - h - top, extendWith: 'copy' });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) {
    throw new Error(`resize produced ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
