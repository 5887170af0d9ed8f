import { imageAt, ImageStore } from './store';
import type { Normalization } from './types';

/**
 * Per-channel mean and standard deviation of the given images (pass the
 * training split only, so validation data never leaks into preprocessing),
 * on pixel values scaled to [0, 1].
 */
export function computeNormalization(store: ImageStore, indices: readonly number[]): Normalization {
  if (indices.length === 0) throw new Error('computeNormalization: no images given');
  const sum = [0, 0, 0];
  const sumSq = [0, 0, 0];
  for (const index of indices) {
    const image = imageAt(store, index);
    for (let i = 0; i < image.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        const v = image[i + c];
        sum[c] += v;
        sumSq[c] += v * v;
      }
    }
  }
  const n = indices.length * store.size * store.size;
  const mean = sum.map((s) => s / n / 255);
  // A floor keeps a constant channel (a grey image set) from dividing by zero.
  const std = sumSq.map((s, c) => Math.max(Math.sqrt(Math.max(0, s / n / 65025 - mean[c] * mean[c])), 1e-3));
  return { mean: mean as Normalization['mean'], std: std as Normalization['std'] };
}
