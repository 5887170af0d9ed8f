import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { UserError } from '../util/errors';
import { atomicWriteFile } from '../util/files';
import { createRng, Rng, uniform } from '../util/rng';
import type { Log } from './types';

export interface SyntheticOptions {
  classes: number;
  perClass: number;
  size: number;
  seed: number;
}

/** Class folder names: grade 0 is a normal cell, higher grades look more dysplastic. */
export function syntheticClassNames(classes: number): string[] {
  return Array.from({ length: classes }, (_, g) => `grade${g}`);
}

/** Smooth 2-D value noise on a seeded lattice, in [0, 1]: the chromatin texture and the background grain. */
function valueNoise(rng: Rng, cells: number): (x: number, y: number) => number {
  const n = cells + 2;
  const lattice = Float32Array.from({ length: n * n }, () => rng());
  return (x, y) => {
    const gx = Math.min(Math.max(x * cells, 0), cells);
    const gy = Math.min(Math.max(y * cells, 0), cells);
    const x0 = Math.floor(gx);
    const y0 = Math.floor(gy);
    const fx = gx - x0;
    const fy = gy - y0;
    const at = (i: number, j: number) => lattice[j * n + i];
    const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
    const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
}

/** How one grade looks; t runs from 0 (normal) to 1 (carcinoma-like). */
interface CellLook {
  ncRatio: number;
  irregularity: number;
  texture: number;
  nucleus: [number, number, number];
  cytoplasm: [number, number, number];
}

function mix(a: readonly number[], b: readonly number[], t: number): [number, number, number] {
  return [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * t) as [number, number, number];
}

/**
 * The features pathologists grade dysplasia by, as functions of the grade:
 * the nucleus/cytoplasm ratio grows, the nuclear outline turns irregular, the
 * chromatin coarsens and darkens, and the cytoplasm shifts from pink/orange
 * (mature superficial cells) to blue-green. Each cell jitters around its
 * grade so neighbouring grades are separable but not by one pixel value.
 */
function cellLook(grade: number, classes: number, rng: Rng): CellLook {
  const t = classes > 1 ? grade / (classes - 1) : 0;
  const jitter = 0.2 / Math.max(1, classes - 1);
  const tj = Math.min(1, Math.max(0, t + uniform(rng, -jitter, jitter)));
  // Staining differs from slide to slide: a per-cell colour shift keeps colour alone from giving the grade away.
  const stain = [uniform(rng, -10, 10), uniform(rng, -10, 10), uniform(rng, -10, 10)];
  const shifted = (rgb: [number, number, number]) => rgb.map((v, i) => v + stain[i]) as [number, number, number];
  return {
    ncRatio: 0.18 + 0.55 * tj,
    irregularity: 0.02 + 0.2 * tj,
    texture: 0.1 + 0.6 * tj,
    nucleus: shifted(mix([95, 70, 140], [45, 25, 80], tj)),
    cytoplasm: shifted(mix([235, 165, 170], [130, 185, 200], tj)),
  };
}

/** Draws one cell (RGB, size x size): background, an elliptic cytoplasm, and a nucleus whose look depends on the grade. */
export function drawCell(grade: number, classes: number, size: number, rng: Rng): Uint8Array {
  const look = cellLook(grade, classes, rng);
  const grain = valueNoise(rng, 8);
  const chromatin = valueNoise(rng, 6 + Math.round(6 * look.texture));
  const cx = size * uniform(rng, 0.42, 0.58);
  const cy = size * uniform(rng, 0.42, 0.58);
  const rc = size * uniform(rng, 0.32, 0.4);
  const elong = uniform(rng, 0.75, 1);
  const tilt = uniform(rng, 0, Math.PI);
  const rn = rc * look.ncRatio * Math.sqrt(elong);
  const nx = cx + uniform(rng, -0.15, 0.15) * (rc - rn);
  const ny = cy + uniform(rng, -0.15, 0.15) * (rc - rn);
  const harmonics = [2, 3, 5].map((k) => ({ k, amp: look.irregularity * uniform(rng, 0.5, 1) / Math.sqrt(k - 1), phase: uniform(rng, 0, 2 * Math.PI) }));
  const bg = [uniform(rng, 215, 240), uniform(rng, 205, 230), uniform(rng, 210, 235)];
  const [cos, sin] = [Math.cos(tilt), Math.sin(tilt)];
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [u, v] = [x + 0.5 - cx, y + 0.5 - cy];
      const cytoR = Math.hypot(u * cos + v * sin, (v * cos - u * sin) / elong) / rc;
      const [du, dv] = [x + 0.5 - nx, y + 0.5 - ny];
      const theta = Math.atan2(dv, du);
      const edge = rn * (1 + harmonics.reduce((s, h) => s + h.amp * Math.sin(h.k * theta + h.phase), 0));
      const nucR = Math.hypot(du, dv) / Math.max(edge, 0.5);
      const g = grain(x / size, y / size) - 0.5;
      // Soft edges (about one pixel wide) keep the shapes smooth at 32 px.
      const inCyto = Math.min(1, Math.max(0, (1 - cytoR) * rc));
      const inNuc = Math.min(1, Math.max(0, (1 - nucR) * edge));
      const dark = 1 - look.texture * 0.6 * (chromatin(x / size, y / size) - 0.3);
      for (let c = 0; c < 3; c++) {
        const cyto = look.cytoplasm[c] + 18 * g;
        const nuc = look.nucleus[c] * dark;
        const base = bg[c] + 10 * g;
        const value = base + (cyto - base) * inCyto;
        out[(y * size + x) * 3 + c] = Math.round(Math.min(255, Math.max(0, value + (nuc - value) * inNuc)));
      }
    }
  }
  return out;
}

/** The marker written last: a folder with it holds a complete set made with exactly these options. */
const COMPLETE_MARKER = 'synthetic.json';
/** Bumped whenever drawCell changes, so sets drawn by an older generator are not reused. */
export const SYNTHETIC_GENERATOR_VERSION = 2;

export function isCompleteSyntheticSet(dir: string, opts: SyntheticOptions): boolean {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, COMPLETE_MARKER), 'utf8'));
    return marker.generator === SYNTHETIC_GENERATOR_VERSION && JSON.stringify(marker.options) === JSON.stringify(opts);
  } catch {
    return false;
  }
}

/**
 * Writes a synthetic cell set as one folder of PNGs per class. Each image is
 * a pure function of (seed, class, index), so the same options give the
 * same files.
 */
export async function writeSyntheticDataset(dir: string, opts: SyntheticOptions, log: Log = () => {}): Promise<void> {
  const names = syntheticClassNames(opts.classes);
  for (const [grade, name] of names.entries()) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < opts.perClass; i++) {
      const pixels = drawCell(grade, opts.classes, opts.size, createRng(opts.seed, grade, i));
      const png = await sharp(pixels, { raw: { width: opts.size, height: opts.size, channels: 3 } }).png().toBuffer();
      atomicWriteFile(path.join(dir, name, `${name}_${String(i).padStart(5, '0')}.png`), png);
    }
  }
  atomicWriteFile(path.join(dir, COMPLETE_MARKER), `${JSON.stringify({ generator: SYNTHETIC_GENERATOR_VERSION, options: opts }, null, 2)}\n`);
  log(`wrote ${opts.classes} x ${opts.perClass} synthetic cells (${opts.size}x${opts.size}) to ${dir}`);
}

/**
 * A synthetic set under dir, written unless a complete one with the same
 * options is already there. A folder holding anything else is refused rather
 * than mixed with (or cleared for) the new set. The set is drawn in a
 * temporary folder beside dir and renamed into place, so processes drawing
 * the same set at once (a suite's workers sharing the cache) never see a
 * half-written one: the first rename wins and the others drop their copy.
 */
export async function ensureSyntheticDataset(dir: string, opts: SyntheticOptions, log: Log = () => {}): Promise<void> {
  if (isCompleteSyntheticSet(dir, opts)) return;
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new UserError(`${dir} is not empty and holds no synthetic set made with ${JSON.stringify(opts)}; choose a new or empty folder`);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const partial = path.join(path.dirname(dir), `.${path.basename(dir)}.partial-${process.pid}`);
  try {
    await writeSyntheticDataset(partial, opts);
    try {
      fs.renameSync(partial, dir);
    } catch (err) {
      if (!isCompleteSyntheticSet(dir, opts)) throw err;
      return;
    }
    log(`wrote ${opts.classes} x ${opts.perClass} synthetic cells (${opts.size}x${opts.size}) to ${dir}`);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
