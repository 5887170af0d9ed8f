/**
 * An exported model's preprocessing, in plain JavaScript so that a browser
 * and Node run the same arithmetic: `dresnet predict --model` and the page
 * both call preprocess() on decoded RGB pixels. It follows the run's
 * pipeline (src/data/decode.ts resizeSquare, src/data/augment.ts
 * renderSample): resize to a square ('pad': fit inside, margins repeat the
 * edge pixels; 'crop': cover, cut the centre), round to 8 bits, then
 * (v / 255 - mean) / std per channel. The run resizes with libvips
 * (sharp's Lanczos-3); this resize is a separable Lanczos-3 of its own, so
 * its pixels can differ from the run's by a level or two.
 */

const LOBES = 3;

function lanczos(x) {
  if (x === 0) return 1;
  if (x <= -LOBES || x >= LOBES) return 0;
  const px = Math.PI * x;
  return (LOBES * Math.sin(px) * Math.sin(px / LOBES)) / (px * px);
}

/**
 * For each output position along one axis: the first source index and the
 * normalised weights. Downscaling stretches the kernel by the scale factor
 * (area-aware, as libvips does), so no source pixel is skipped.
 */
function axisWeights(inLength, outLength) {
  const scale = inLength / outLength;
  const stretch = Math.max(1, scale);
  const support = LOBES * stretch;
  const taps = [];
  for (let o = 0; o < outLength; o++) {
    const centre = (o + 0.5) * scale - 0.5;
    const start = Math.max(0, Math.floor(centre - support) + 1);
    const end = Math.min(inLength - 1, Math.ceil(centre + support) - 1);
    const weights = [];
    let sum = 0;
    for (let i = start; i <= end; i++) {
      const w = lanczos((i - centre) / stretch);
      weights.push(w);
      sum += w;
    }
    taps.push({ start, weights: weights.map((w) => w / sum) });
  }
  return taps;
}

const toByte = (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** RGB (HWC, 3 channels) resized to outW x outH, rounded to bytes. */
export function resizeRgb(rgb, width, height, outW, outH) {
  const xs = axisWeights(width, outW);
  const ys = axisWeights(height, outH);
  const rows = new Float64Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      const { start, weights } = xs[x];
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k] * rgb[(y * width + start + k) * 3 + c];
        rows[(y * outW + x) * 3 + c] = v;
      }
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const { start, weights } = ys[y];
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k] * rows[((start + k) * outW + x) * 3 + c];
        out[(y * outW + x) * 3 + c] = toByte(v);
      }
    }
  }
  return out;
}

/** size x size RGB bytes, by the run's resize mode ('pad' or 'crop'), with the same geometry as the run's. */
export function resizeSquare(rgb, width, height, size, mode) {
  if (mode === 'crop') {
    const scale = size / Math.min(width, height);
    const w = Math.max(size, Math.round(width * scale));
    const h = Math.max(size, Math.round(height * scale));
    const covered = resizeRgb(rgb, width, height, w, h);
    const left = Math.floor((w - size) / 2);
    const top = Math.floor((h - size) / 2);
    const out = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) out.set(covered.subarray(((top + y) * w + left) * 3, ((top + y) * w + left + size) * 3), y * size * 3);
    return out;
  }
  const scale = size / Math.max(width, height);
  const w = Math.min(size, Math.max(1, Math.round(width * scale)));
  const h = Math.min(size, Math.max(1, Math.round(height * scale)));
  const left = Math.floor((size - w) / 2);
  const top = Math.floor((size - h) / 2);
  const fitted = resizeRgb(rgb, width, height, w, h);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.max(0, y - top));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.max(0, x - left));
      const s = (sy * w + sx) * 3;
      const o = (y * size + x) * 3;
      out[o] = fitted[s];
      out[o + 1] = fitted[s + 1];
      out[o + 2] = fitted[s + 2];
    }
  }
  return out;
}

/** Normalised float32 NHWC input of one image, as the run's renderSample computes it (same operations, same order). */
export function normalise(pixels, mean, std) {
  const out = new Float32Array(pixels.length);
  const s = [0, 1, 2].map((c) => 1 / (255 * std[c]));
  const m = [0, 1, 2].map((c) => mean[c] / std[c]);
  for (let i = 0; i < pixels.length; i += 3) {
    out[i] = pixels[i] * s[0] - m[0];
    out[i + 1] = pixels[i + 1] * s[1] - m[1];
    out[i + 2] = pixels[i + 2] * s[2] - m[2];
  }
  return out;
}

/** RGBA (a canvas's ImageData) to RGB: the alpha channel is dropped, as the run's decoder drops it. */
export function rgbaToRgb(rgba) {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    out[o] = rgba[i];
    out[o + 1] = rgba[i + 1];
    out[o + 2] = rgba[i + 2];
  }
  return out;
}

/**
 * The model's input for one decoded image. `meta` is the export's
 * metadata.json (its `input` part: size, resize, mean, std).
 */
export function preprocess(rgb, width, height, meta) {
  const { size, resize, mean, std } = meta.input;
  return normalise(resizeSquare(rgb, width, height, size, resize), mean, std);
}

/** P(abnormal): the sum of the abnormal classes' probabilities (metadata.json's `abnormal` flags), or null without them. */
export function abnormalProbability(probs, meta) {
  if (!meta.abnormal) return null;
  let p = 0;
  for (let c = 0; c < probs.length; c++) if (meta.abnormal[c]) p += probs[c];
  return p;
}

/** The k most probable classes, most probable first. */
export function topK(probs, classes, k) {
  return Array.from(probs, (p, c) => ({ class: classes[c], index: c, p }))
    .sort((a, b) => b.p - a.p || a.index - b.index)
    .slice(0, k);
}
