import type { AugmentConfig } from '../config/run-config';
import { IDENTITY, renderSample, sampleAugment } from './augment';
import { imageAt, ImageStore } from './store';
import type { Normalization } from './types';

/** What one batch needs, as plain data so a worker thread can run it. */
export interface BatchJob {
  /** Image indices into the store, in batch order. */
  indices: number[];
  /** Augment (training) or only normalise (evaluation). */
  train: boolean;
  seed: number;
  epoch: number;
  augment: AugmentConfig;
  normalization: Normalization;
}

/** The batch's input as float32 NHWC, normalised and, for training, augmented. */
export function renderBatch(store: ImageStore, job: BatchJob): Float32Array {
  const stride = store.size * store.size * 3;
  const out = new Float32Array(job.indices.length * stride);
  job.indices.forEach((index, k) => {
    const params = job.train ? sampleAugment(job.augment, job.seed, job.epoch, index) : IDENTITY;
    renderSample(imageAt(store, index), store.size, params, job.normalization, out, k * stride);
  });
  return out;
}
