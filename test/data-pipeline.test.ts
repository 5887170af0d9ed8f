import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test, TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AugmentConfig, dataSchema } from '../src/config/run-config';
import { Batch, computeNormalization, createBatchStream, epochOrder, imageAt, LoadedDataset, loadDataset } from '../src/data';
import { renderSample, sampleAugment, IDENTITY } from '../src/data/augment';
import { tempDir } from './fixtures/data';

const NO_AUGMENT: AugmentConfig = { hflip: false, vflip: false, rot90: false, rotate: 0, scale: 0, colorJitter: 0 };
const FULL_AUGMENT: AugmentConfig = { hflip: true, vflip: true, rot90: true, rotate: 15, scale: 0.1, colorJitter: 0.2 };
const UNIT = { mean: [0, 0, 0] as [number, number, number], std: [1 / 255, 1 / 255, 1 / 255] as [number, number, number] };

async function synthetic(t: TestContext): Promise<LoadedDataset> {
  await tf.setBackend('cpu');
  const dir = tempDir(t);
  const cfg = dataSchema.parse({ source: 'synthetic', inputSize: 24, synthetic: { classes: 3, perClass: 7, imageSize: 32 } }, 'data');
  return loadDataset(cfg, { seed: 5, cacheDir: path.join(dir, 'cache') });
}

async function collect(stream: AsyncGenerator<Batch>): Promise<{ xs: Float32Array[]; ys: Int32Array[]; order: number[]; shapes: number[][] }> {
  const out = { xs: [] as Float32Array[], ys: [] as Int32Array[], order: [] as number[], shapes: [] as number[][] };
  for await (const b of stream) {
    out.xs.push(b.x.dataSync() as Float32Array);
    out.ys.push(b.y.dataSync() as Int32Array);
    out.shapes.push(b.x.shape);
    out.order.push(...b.indices);
    assert.equal(b.x.dtype, 'float32');
    assert.equal(b.y.dtype, 'int32');
    tf.dispose([b.x, b.y]);
  }
  return out;
}

test('training batches: NHWC float32 tensors, labels that match, order and augmentation fixed by (seed, epoch), no leaks', async (t) => {
  const data = await synthetic(t);
  const all = data.samples.map((_, i) => i);
  const normalization = computeNormalization(data.images, all);
  const opts = { batchSize: 8, train: true, seed: 3, epoch: 0, normalization, augment: FULL_AUGMENT };
  const before = tf.memory().numTensors;
  const a = await collect(createBatchStream(data, all, opts));
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.deepEqual(a.shapes, [[8, 24, 24, 3], [8, 24, 24, 3], [5, 24, 24, 3]]);
  assert.deepEqual([...a.order].sort((x, y) => x - y), all, 'an epoch visits each sample once');
  assert.notDeepEqual(a.order, all, 'training order is shuffled');
  assert.deepEqual(a.ys.flatMap((y) => [...y]), a.order.map((i) => data.samples[i].label));

  const again = await collect(createBatchStream(data, all, { ...opts, workers: 0 }));
  assert.deepEqual(again.order, a.order, 'same (seed, epoch), same order');
  assert.deepEqual(again.xs, a.xs, 'same augmentation on the main thread as in a worker');
  const next = await collect(createBatchStream(data, all, { ...opts, epoch: 1 }));
  assert.notDeepEqual(next.order, a.order, 'another epoch, another order');
  assert.deepEqual(epochOrder(all, 3, 1, true), next.order);
  assert.equal((await collect(createBatchStream(data, all, { ...opts, dropLast: true }))).shapes.length, 2);
});

test('leaving the loop early disposes nothing of the consumer\'s and leaks no tensors', async (t) => {
  const data = await synthetic(t);
  const all = data.samples.map((_, i) => i);
  const before = tf.memory().numTensors;
  for await (const b of createBatchStream(data, all, { batchSize: 4, train: true, seed: 1, epoch: 0, normalization: UNIT, augment: FULL_AUGMENT, prefetch: 3 })) {
    tf.dispose([b.x, b.y]);
    break;
  }
  assert.equal(tf.memory().numTensors, before);
});

test('evaluation batches keep the given order, are not augmented, and are normalised with the given statistics', async (t) => {
  const data = await synthetic(t);
  const val = [20, 3, 11, 7];
  const normalization = computeNormalization(data.images, val);
  const { xs, order } = await collect(createBatchStream(data, val, { batchSize: 3, train: false, seed: 1, epoch: 4, normalization, augment: FULL_AUGMENT }));
  assert.deepEqual(order, val);
  const x = Float32Array.from(xs.flatMap((b) => [...b]));
  for (let c = 0; c < 3; c++) {
    const channel = x.filter((_, i) => i % 3 === c);
    const mean = channel.reduce((s, v) => s + v, 0) / channel.length;
    const sd = Math.sqrt(channel.reduce((s, v) => s + (v - mean) ** 2, 0) / channel.length);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(sd - 1) < 1e-3, `channel ${c}: mean ${mean}, std ${sd}`);
  }
  // Pixel 0 of sample 20, by hand.
  const raw = imageAt(data.images, 20);
  assert.ok(Math.abs(x[0] - (raw[0] / 255 - normalization.mean[0]) / normalization.std[0]) < 1e-5);
});

test('training batches with every augmentation off equal evaluation batches', async (t) => {
  const data = await synthetic(t);
  const idx = [0, 5, 9];
  const train = await collect(createBatchStream(data, idx, { batchSize: 3, train: true, seed: 2, epoch: 0, normalization: UNIT, augment: NO_AUGMENT }));
  const evaluation = await collect(createBatchStream(data, train.order, { batchSize: 3, train: false, seed: 2, epoch: 0, normalization: UNIT, augment: NO_AUGMENT }));
  assert.deepEqual(train.xs, evaluation.xs);
});

/** Renders a 4x4 test image (pixel value = 10*y + x in every channel) under params. */
function render(params: ReturnType<typeof sampleAugment>): number[][] {
  const src = new Uint8Array(48);
  for (let i = 0; i < 16; i++) src.fill(10 * Math.floor(i / 4) + (i % 4), i * 3, i * 3 + 3);
  const out = new Float32Array(48);
  renderSample(src, 4, params, UNIT, out, 0);
  return [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => Math.round(out[(y * 4 + x) * 3] * 1000) / 1000));
}

test('flips and 90-degree turns move pixels exactly; rotation and scale resample; each switch works alone', () => {
  assert.deepEqual(render(IDENTITY), [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33]]);
  assert.deepEqual(render({ ...IDENTITY, matrix: [-1, 0, 0, 1] }), [[3, 2, 1, 0], [13, 12, 11, 10], [23, 22, 21, 20], [33, 32, 31, 30]]);
  assert.deepEqual(render({ ...IDENTITY, matrix: [1, 0, 0, -1] })[0], [30, 31, 32, 33]);
  assert.deepEqual(render({ ...IDENTITY, matrix: [0, -1, 1, 0] })[0], [3, 13, 23, 33]);
  const seen = { hflip: new Set<string>(), rot90: new Set<string>() };
  for (let s = 0; s < 40; s++) {
    seen.hflip.add(JSON.stringify(sampleAugment({ ...NO_AUGMENT, hflip: true }, 1, 0, s).matrix));
    seen.rot90.add(JSON.stringify(sampleAugment({ ...NO_AUGMENT, rot90: true }, 1, 0, s).matrix));
  }
  assert.deepEqual([...seen.hflip].sort(), ['[-1,0,0,1]', '[1,0,0,1]']);
  assert.equal(seen.rot90.size, 4);
  const rotated = sampleAugment({ ...NO_AUGMENT, rotate: 10 }, 1, 0, 0);
  assert.ok(Math.abs(rotated.matrix[1]) > 0 && Math.abs(rotated.matrix[1]) < Math.sin((10 * Math.PI) / 180) + 1e-9);
  const grown = render({ ...IDENTITY, matrix: [0.5, 0, 0, 0.5] });
  // Row 1 of a 2x zoom samples source row 1.25, columns 0.75..2.25: 10 * 1.25 + column.
  assert.deepEqual(grown[1], [13.25, 13.75, 14.25, 14.75]);
  const jitter = sampleAugment({ ...NO_AUGMENT, colorJitter: 0.3 }, 1, 0, 0);
  assert.deepEqual(jitter.matrix, [1, 0, 0, 1]);
  assert.ok([jitter.brightness, jitter.contrast, jitter.saturation].every((v) => Math.abs(v) <= 0.3) && jitter.brightness !== 0);
  const bright = render({ ...IDENTITY, brightness: 0.5 });
  assert.equal(bright[3][3], Math.round(33 * 1.5 * 1000) / 1000);
});

test('normalisation statistics come only from the images given', async (t) => {
  const data = await synthetic(t);
  const a = computeNormalization(data.images, [0, 1, 2]);
  const b = computeNormalization(data.images, [18, 19, 20]);
  assert.notDeepEqual(a, b);
  const px = [0, 1, 2].flatMap((i) => [...imageAt(data.images, i)].filter((_, k) => k % 3 === 1));
  const mean = px.reduce((s, v) => s + v, 0) / px.length / 255;
  assert.ok(Math.abs(a.mean[1] - mean) < 1e-9);
});
