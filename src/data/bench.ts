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
  /** Images to stream per measurement (whole epochs, at least this many). */
  images?: number;
  /** Worker counts to measure; 0 renders on the calling thread. */
  workers?: number[];
  /** The trainer's measured consumption (img/s), to compare against. */
  consumerImagesPerSecond?: number;
  cacheDir?: string;
  log?: Log;
}

export interface DataBenchRun {
  workers: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
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

/** Herlev when it is there (the real decode/resize cost), else the synthetic default set. */
function benchDataConfig(size: number): DataConfig {
  const herlev = fs.existsSync(defaultHerlevPath());
  return dataSchema.parse(
    {
      source: herlev ? 'herlev' : 'synthetic',
      task: herlev ? 'herlev7' : 'classes',
      inputSize: size,
      augment: { hflip: true, vflip: true, rot90: true, rotate: 15, scale: 0.1, colorJitter: 0.1 },
    },
    'data',
  );
}

async function timeEpochs(stream: (epoch: number) => AsyncGenerator<{ x: tf.Tensor; y: tf.Tensor; indices: number[] }>, minImages: number): Promise<{ images: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let images = 0;
  for (let epoch = 0; images < minImages; epoch++) {
    for await (const batch of stream(epoch)) {
      images += batch.indices.length;
      tf.dispose([batch.x, batch.y]);
    }
  }
  return { images, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
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
  const cfg = benchDataConfig(size);
  const prepStart = Date.now();
  const data = await loadDataset(cfg, { seed: 0, log: opts.log, cacheDir: opts.cacheDir });
  const prepareSeconds = (Date.now() - prepStart) / 1000;
  const all = data.samples.map((_, i) => i);
  const normalization = computeNormalization(data.images, all);
  const runs: DataBenchRun[] = [];
  for (const workers of opts.workers ?? [0, 1, 2]) {
    const stream = (epoch: number) => createBatchStream(data, all, { batchSize, train: true, seed: 0, epoch, normalization, augment: cfg.augment, workers });
    const { images, seconds } = await timeEpochs(stream, opts.images ?? 2 * all.length);
    runs.push({ workers, images, seconds, imagesPerSecond: images / seconds });
  }
  const consumer = opts.consumerImagesPerSecond;
  const lines = runs.map((r) => {
    const vs = consumer ? `, ${(r.imagesPerSecond / consumer).toFixed(1)}x the trainer's ${consumer.toFixed(1)} img/s` : '';
    return `data pipeline ${size}x${size} augmented, ${r.workers === 0 ? 'main thread' : `${r.workers} worker(s)`}: ${r.imagesPerSecond.toFixed(0)} img/s (${r.images} images in ${r.seconds.toFixed(2)} s${vs})`;
  });
  return { dataset: `${data.source} ${data.root}`, size, batchSize, augment: cfg.augment, prepareSeconds, runs, consumerImagesPerSecond: consumer, lines };
}
