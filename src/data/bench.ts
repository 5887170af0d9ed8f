import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { DataConfig } from '../config/run-config';
import { dataSchema } from '../config/run-config';
import { createBatchStream } from './batches';
import { defaultHerlevPath, loadDataset } from './dataset';
import { computeNormalization } from './normalization';
import type { Log } from './types';

export interface DataBenchOptions {
  size?: number;
  batchSize?: number;
  /** Images to stream per measurement (whole epochs, at least this many; the run against a consumer streams at most one epoch). */
  images?: number;
  /** Worker counts to measure; 0 renders on the calling thread. */
  workers?: number[];
  /** The trainer's measured consumption (img/s), to compare against. */
  consumerImagesPerSecond?: number;
  /** The dataset to stream; default Herlev when present, else the synthetic set (inputSize is set to size, augmentation all on). */
  data?: DataConfig;
  cacheDir?: string;
  log?: Log;
}

export interface DataBenchRun {
  workers: number;
  images: number;
  seconds: number;
  /** With nothing consuming: the most the pipeline can deliver. */
  imagesPerSecond: number;
  /**
   * With a consumer that blocks the thread at the trainer's rate: the share
   * of the run it spent waiting for data (0 = never starved).
   */
  starvedFraction?: number;
}

export interface DataBenchResult {
  dataset: string;
  size: number;
  batchSize: number;
  augment: DataConfig['augment'];
  /** Decoding into the cache (or reading it), before the measured epochs. */
  prepareSeconds: number;
  runs: DataBenchRun[];
  consumerImagesPerSecond?: number;
  /** One line per run, with the headroom over the consumer when known. */
  lines: string[];
}

const FULL_AUGMENT: DataConfig['augment'] = { hflip: true, vflip: true, rot90: true, rotate: 15, scale: 0.1, colorJitter: 0.1 };

/** Herlev when it is there (real cell images), else the synthetic default set. */
function benchDataConfig(size: number, data?: DataConfig): DataConfig {
  const herlev = fs.existsSync(defaultHerlevPath());
  const base = data ?? dataSchema.parse({ source: herlev ? 'herlev' : 'synthetic', task: herlev ? 'herlev7' : 'classes' }, 'data');
  return { ...base, inputSize: size, augment: FULL_AUGMENT };
}

/** Blocks the thread for ms, as a synchronous (native) training step does. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

type Stream = (epoch: number) => AsyncGenerator<{ x: tf.Tensor; y: tf.Tensor; indices: number[] }>;

/**
 * Streams whole epochs until minImages, with a consumer that takes
 * msPerImage per image (0: none). Returns the wall time and the time the
 * consumer was busy; the difference is time it waited for data.
 */
async function timeEpochs(stream: Stream, minImages: number, msPerImage: number): Promise<{ images: number; seconds: number; busySeconds: number }> {
  const started = performance.now();
  let images = 0;
  let busy = 0;
  for (let epoch = 0; images < minImages; epoch++) {
    for await (const batch of stream(epoch)) {
      images += batch.indices.length;
      tf.dispose([batch.x, batch.y]);
      busyWait(msPerImage * batch.indices.length);
      busy += msPerImage * batch.indices.length;
    }
  }
  return { images, seconds: (performance.now() - started) / 1000, busySeconds: busy / 1000 };
}

/**
 * Images per second of the cached training pipeline (read from the image
 * cache, shuffle, augment with every switch on, normalise, make tensors) at
 * size x size, with nothing consuming the batches: the most the data layer
 * can feed a trainer.
 */
export async function benchDataPipeline(opts: DataBenchOptions = {}): Promise<DataBenchResult> {
  const size = opts.size ?? 224;
  const batchSize = opts.batchSize ?? 32;
  const cfg = benchDataConfig(size, opts.data);
  const prepStart = Date.now();
  const data = await loadDataset(cfg, { seed: 0, log: opts.log, cacheDir: opts.cacheDir });
  const prepareSeconds = (Date.now() - prepStart) / 1000;
  const all = data.samples.map((_, i) => i);
  const normalization = computeNormalization(data.images, all);
  const runs: DataBenchRun[] = [];
  const consumer = opts.consumerImagesPerSecond;
  const minImages = opts.images ?? 2 * all.length;
  for (const workers of opts.workers ?? [0, 1, 2]) {
    const stream: Stream = (epoch) => createBatchStream(data, all, { batchSize, train: true, seed: 0, epoch, normalization, augment: cfg.augment, workers });
    const free = await timeEpochs(stream, minImages, 0);
    const run: DataBenchRun = { workers, images: free.images, seconds: free.seconds, imagesPerSecond: free.images / free.seconds };
    if (consumer) {
      const fed = await timeEpochs(stream, Math.min(minImages, all.length), 1000 / consumer);
      run.starvedFraction = Math.max(0, fed.seconds - fed.busySeconds) / fed.seconds;
    }
    runs.push(run);
  }
  const lines = runs.map((r) => {
    const where = r.workers === 0 ? 'main thread' : `${r.workers} worker(s)`;
    const vs = consumer
      ? `; ${(r.imagesPerSecond / consumer).toFixed(1)}x a trainer's ${consumer.toFixed(1)} img/s, which waits for data ${(100 * r.starvedFraction!).toFixed(1)}% of the time`
      : '';
    return `data pipeline ${size}x${size} augmented, ${where}: ${r.imagesPerSecond.toFixed(0)} img/s (${r.images} images in ${r.seconds.toFixed(2)} s)${vs}`;
  });
  return { dataset: `${data.source} ${data.root}`, size, batchSize, augment: cfg.augment, prepareSeconds, runs, consumerImagesPerSecond: consumer, lines };
}
