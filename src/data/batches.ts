import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { AugmentConfig } from '../config/run-config';
import { BatchJob, renderBatch } from './batch-job';
import type { LoadedDataset } from './images';
import type { ImageStore } from './store';
import { createRng, shuffleInPlace } from '../util/rng';
import type { Normalization } from './types';

export interface Batch {
  /** [B, S, S, 3] float32, normalised NHWC. */
  x: tf.Tensor4D;
  /** [B] int32 class labels. */
  y: tf.Tensor1D;
  /** The samples in this batch (indices into dataset.samples). */
  indices: number[];
}

export interface BatchStreamOptions {
  batchSize: number;
  /** Shuffle and augment (training) or keep the order and only normalise (evaluation). */
  train: boolean;
  seed: number;
  epoch: number;
  normalization: Normalization;
  augment: AugmentConfig;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Worker threads that render batches while the consumer trains; 0 renders on the calling thread. Default 1. */
  workers?: number;
  /** Batches rendered ahead of the consumer (worker mode). Default 2. */
  prefetch?: number;
}

/** The order of one epoch: shuffled by (seed, epoch) for training, as given for evaluation. */
export function epochOrder(indices: readonly number[], seed: number, epoch: number, shuffle: boolean): number[] {
  return shuffle ? shuffleInPlace([...indices], createRng(seed, 0x0de4, epoch)) : [...indices];
}

function chunk(order: number[], size: number, dropLast: boolean): number[][] {
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += size) chunks.push(order.slice(i, i + size));
  if (dropLast && chunks.length > 0 && chunks[chunks.length - 1].length < size) chunks.pop();
  return chunks;
}

/**
 * Worker threads sharing the image store; jobs go round-robin and come back
 * by id. A worker keeps the process alive only while it owes a batch, so an
 * abandoned stream never holds the process open.
 */
class BatchWorkers {
  private readonly workers: Worker[];
  private readonly owed: number[];
  private readonly pending = new Map<number, { worker: number; resolve: (x: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(store: ImageStore, count: number) {
    this.owed = new Array(count).fill(0);
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(path.join(__dirname, 'batch-worker.js'), { workerData: store });
      worker.unref();
      worker.on('message', (msg: { id: number; x?: Float32Array; error?: string }) => this.settle(msg));
      worker.on('error', (err) => this.failAll(err));
      return worker;
    });
  }

  run(job: BatchJob): Promise<Float32Array> {
    const id = this.nextId++;
    const w = id % this.workers.length;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: w, resolve, reject });
      if (this.owed[w]++ === 0) this.workers[w].ref();
      this.workers[w].postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(msg: { id: number; x?: Float32Array; error?: string }): void {
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (--this.owed[waiter.worker] === 0) this.workers[waiter.worker].unref();
    if (msg.x) waiter.resolve(msg.x);
    else waiter.reject(new Error(`batch worker failed: ${msg.error}`));
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
    this.owed.fill(0);
    for (const w of this.workers) w.unref();
  }
}

/**
 * The batches of one epoch over the given samples, as tfjs tensors on the
 * active backend. The order and the augmentation are pure functions of
 * (seed, epoch), so a resumed run sees the same data. Worker threads render
 * the next batches while the consumer works on the current one.
 *
 * Ownership: each yielded batch's x and y belong to the consumer, who must
 * dispose them (tf.dispose([batch.x, batch.y])). Tensors are created only
 * when a batch is handed over, so breaking out of the loop leaks nothing;
 * the workers stop when the loop ends or is left.
 */
export async function* createBatchStream(data: LoadedDataset, indices: readonly number[], opts: BatchStreamOptions): AsyncGenerator<Batch, void, undefined> {
  const store = data.images;
  const batches = chunk(epochOrder(indices, opts.seed, opts.epoch, opts.train), opts.batchSize, opts.dropLast ?? false);
  const job = (batch: number[]): BatchJob => ({
    indices: batch,
    train: opts.train,
    seed: opts.seed,
    epoch: opts.epoch,
    augment: opts.augment,
    normalization: opts.normalization,
  });
  const workerCount = Math.max(0, opts.workers ?? 1);
  const pool = workerCount > 0 && batches.length > 0 ? new BatchWorkers(store, workerCount) : undefined;
  const ahead = Math.max(1, opts.prefetch ?? 2);
  const inFlight: Promise<Float32Array>[] = [];
  let submitted = 0;
  const fill = () => {
    while (pool && submitted < batches.length && inFlight.length < ahead) inFlight.push(pool.run(job(batches[submitted++])));
  };
  try {
    for (const batch of batches) {
      fill();
      const x = pool ? await inFlight.shift()! : renderBatch(store, job(batch));
      fill();
      const labels = Int32Array.from(batch, (i) => data.samples[i].label);
      yield {
        x: tf.tensor4d(x, [batch.length, store.size, store.size, 3], 'float32'),
        y: tf.tensor1d(labels, 'int32'),
        indices: batch,
      };
    }
  } finally {
    // Rejections of batches rendered ahead but never consumed are not the consumer's concern.
    for (const pending of inFlight) pending.catch(() => {});
    await pool?.close();
  }
}
