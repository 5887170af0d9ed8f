import type { AugmentConfig } from '../config/run-config';
import { createRng, uniform } from '../util/rng';
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
 * (flips and 90° turns only) reads pixels directly, which is exact and
 * faster. Source positions advance incrementally along a row: this loop is
 * the data pipeline's hot path.
 */
export function renderSample(src: Uint8Array, size: number, p: AugmentParams, norm: Normalization, out: Float32Array, offset: number): void {
  const [a, b, c, d] = p.matrix;
  const centre = (size - 1) / 2;
  const colour = p.brightness !== 0 || p.contrast !== 0 || p.saturation !== 0;
  const gain = 1 + p.brightness;
  const sat = 1 + p.saturation;
  const con = 1 + p.contrast;
  const grey = colour ? meanLuminance(src) * gain : 0;
  const s0 = 1 / (255 * norm.std[0]);
  const s1 = 1 / (255 * norm.std[1]);
  const s2 = 1 / (255 * norm.std[2]);
  const m0 = norm.mean[0] / norm.std[0];
  const m1 = norm.mean[1] / norm.std[1];
  const m2 = norm.mean[2] / norm.std[2];
  const exact = Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(c) && Number.isInteger(d);
  const max = size - 1;
  let o = offset;
  for (let y = 0; y < size; y++) {
    const v = y - centre;
    let sx = -a * centre + b * v + centre;
    let sy = -c * centre + d * v + centre;
    for (let x = 0; x < size; x++, sx += a, sy += c) {
      let r: number;
      let g: number;
      let bl: number;
      if (exact) {
        const i = (Math.round(sy) * size + Math.round(sx)) * 3;
        r = src[i];
        g = src[i + 1];
        bl = src[i + 2];
      } else {
        const cx = sx < 0 ? 0 : sx > max ? max : sx;
        const cy = sy < 0 ? 0 : sy > max ? max : sy;
        const x0 = cx | 0;
        const y0 = cy | 0;
        const dx = x0 < max ? 3 : 0;
        const dy = y0 < max ? size * 3 : 0;
        const fx = cx - x0;
        const fy = cy - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const i = (y0 * size + x0) * 3;
        r = src[i] * w00 + src[i + dx] * w01 + src[i + dy] * w10 + src[i + dy + dx] * w11;
        g = src[i + 1] * w00 + src[i + dx + 1] * w01 + src[i + dy + 1] * w10 + src[i + dy + dx + 1] * w11;
        bl = src[i + 2] * w00 + src[i + dx + 2] * w01 + src[i + dy + 2] * w10 + src[i + dy + dx + 2] * w11;
      }
      if (colour) {
        // brightness, then saturation around the pixel's luminance, then contrast around the image's mean grey.
        const lum = (0.299 * r + 0.587 * g + 0.114 * bl) * gain;
        r = grey + (lum + (r * gain - lum) * sat - grey) * con;
        g = grey + (lum + (g * gain - lum) * sat - grey) * con;
        bl = grey + (lum + (bl * gain - lum) * sat - grey) * con;
        r = r < 0 ? 0 : r > 255 ? 255 : r;
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        bl = bl < 0 ? 0 : bl > 255 ? 255 : bl;
      }
      out[o++] = r * s0 - m0;
      out[o++] = g * s1 - m1;
      out[o++] = bl * s2 - m2;
    }
  }
}
