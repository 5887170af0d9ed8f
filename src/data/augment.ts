import type { AugmentConfig } from '../config/run-config';
import { createRng, uniform } from './rng';
import type { Normalization } from './types';

/**
 * One sample's random transform. The geometric part is the matrix that maps
 * an output pixel (relative to the centre) to its source position: flips,
 * 90° turns, a small rotation and a scale, all in one resampling.
 */
export interface AugmentParams {
  matrix: [number, number, number, number];
  brightness: number;
  contrast: number;
  saturation: number;
}

export const IDENTITY: AugmentParams = { matrix: [1, 0, 0, 1], brightness: 0, contrast: 0, saturation: 0 };

function multiply(a: AugmentParams['matrix'], b: AugmentParams['matrix']): AugmentParams['matrix'] {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/**
 * Draws a sample's transform from its own stream (seed, epoch, sample), so
 * the result does not depend on batch size, order or worker count. Every
 * draw is made whether or not its switch is on, so turning one switch off
 * leaves the others' draws unchanged.
 */
export function sampleAugment(cfg: AugmentConfig, seed: number, epoch: number, sample: number): AugmentParams {
  const rng = createRng(seed, 0xa46, epoch, sample);
  const draws = { hflip: rng() < 0.5, vflip: rng() < 0.5, quarter: Math.floor(rng() * 4), angle: uniform(rng, -1, 1), scale: uniform(rng, -1, 1) };
  const jitter = [uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)];
  let m: AugmentParams['matrix'] = [cfg.hflip && draws.hflip ? -1 : 1, 0, 0, cfg.vflip && draws.vflip ? -1 : 1];
  const quarter = cfg.rot90 ? draws.quarter : 0;
  const turns: AugmentParams['matrix'][] = [[1, 0, 0, 1], [0, -1, 1, 0], [-1, 0, 0, -1], [0, 1, -1, 0]];
  m = multiply(m, turns[quarter]);
  const angle = (cfg.rotate * draws.angle * Math.PI) / 180;
  // Sampling the source at 1/s of the output offset magnifies the image by s.
  const s = 1 / (1 + cfg.scale * draws.scale);
  if (angle !== 0 || s !== 1) m = multiply(m, [s * Math.cos(angle), -s * Math.sin(angle), s * Math.sin(angle), s * Math.cos(angle)]);
  return {
    matrix: m,
    brightness: cfg.colorJitter * jitter[0],
    contrast: cfg.colorJitter * jitter[1],
    saturation: cfg.colorJitter * jitter[2],
  };
}

function meanLuminance(src: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < src.length; i += 3) sum += 0.299 * src[i] + 0.587 * src[i + 1] + 0.114 * src[i + 2];
  return sum / (src.length / 3);
}

/**
 * Writes one augmented, normalised image (size x size x 3, float32) at
 * out[offset]. Resampling is bilinear with edge clamping; an integer matrix
 * (flips and 90° turns only) takes a copy path, which is exact and faster.
 */
export function renderSample(src: Uint8Array, size: number, p: AugmentParams, norm: Normalization, out: Float32Array, offset: number): void {
  const [a, b, c, d] = p.matrix;
  const centre = (size - 1) / 2;
  const scaleOut = [1 / (255 * norm.std[0]), 1 / (255 * norm.std[1]), 1 / (255 * norm.std[2])];
  const shift = [norm.mean[0] / norm.std[0], norm.mean[1] / norm.std[1], norm.mean[2] / norm.std[2]];
  const colour = p.brightness !== 0 || p.contrast !== 0 || p.saturation !== 0;
  const gain = 1 + p.brightness;
  const contrast = 1 + p.contrast;
  const saturation = 1 + p.saturation;
  const grey = colour ? meanLuminance(src) * gain : 0;
  const exact = Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(c) && Number.isInteger(d);
  const max = size - 1;
  const px = [0, 0, 0];
  let o = offset;
  for (let y = 0; y < size; y++) {
    const v = y - centre;
    for (let x = 0; x < size; x++) {
      const u = x - centre;
      const sx = a * u + b * v + centre;
      const sy = c * u + d * v + centre;
      if (exact) {
        const i = (Math.round(sy) * size + Math.round(sx)) * 3;
        px[0] = src[i];
        px[1] = src[i + 1];
        px[2] = src[i + 2];
      } else {
        const cx = sx < 0 ? 0 : sx > max ? max : sx;
        const cy = sy < 0 ? 0 : sy > max ? max : sy;
        const x0 = Math.floor(cx);
        const y0 = Math.floor(cy);
        const x1 = x0 < max ? x0 + 1 : max;
        const y1 = y0 < max ? y0 + 1 : max;
        const fx = cx - x0;
        const fy = cy - y0;
        const i00 = (y0 * size + x0) * 3;
        const i01 = (y0 * size + x1) * 3;
        const i10 = (y1 * size + x0) * 3;
        const i11 = (y1 * size + x1) * 3;
        for (let k = 0; k < 3; k++) {
          const top = src[i00 + k] + (src[i01 + k] - src[i00 + k]) * fx;
          const bottom = src[i10 + k] + (src[i11 + k] - src[i10 + k]) * fx;
          px[k] = top + (bottom - top) * fy;
        }
      }
      if (colour) {
        const lum = (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]) * gain;
        for (let k = 0; k < 3; k++) {
          let value = px[k] * gain;
          value = lum + (value - lum) * saturation;
          value = grey + (value - grey) * contrast;
          px[k] = value < 0 ? 0 : value > 255 ? 255 : value;
        }
      }
      out[o++] = px[0] * scaleOut[0] - shift[0];
      out[o++] = px[1] * scaleOut[1] - shift[1];
      out[o++] = px[2] * scaleOut[2] - shift[2];
    }
  }
}
