// Batch norms fused into convolutions for inference (src/models/fuse_bn.ts):
// every zoo model's fused copy computes the same logits as the model in
// inference, on torch (native fused kernel) and on cpu (generic ops).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { createRng } from '../src/util/rng';
import { createModel, fuseBatchNorms, listModels, logitsModel } from '../src/models';
import { groupedConv2d } from '../src/ops';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const SIZE = 64;

/** Running statistics and BN affine parameters away from their initial 0/1, so that fusing has something to fuse. */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const rng = createRng(seed);
  for (const w of model.weights) {
    const kind = /(gamma|beta|moving_mean|moving_variance)/.exec(w.name)?.[1];
    if (kind === undefined) continue;
    const positive = kind === 'gamma' || kind === 'moving_variance';
    const values = Float32Array.from({ length: w.shape.reduce((a, b) => a! * b!, 1)! }, () => (positive ? 0.5 + rng() : rng() - 0.5));
    const t = tf.tensor(values, w.shape as number[]);
    w.write(t);
    t.dispose();
  }
}

function classCounts(model: tfl.LayersModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of model.layers) counts[l.getClassName()] = (counts[l.getClassName()] ?? 0) + 1;
  return counts;
}

/** max |a - b| over max |b|. */
function relativeMaxDiff(a: tf.TypedArray, b: tf.TypedArray): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function checkFused(name: string, backend: 'torch' | 'cpu', size: number): Promise<void> {
  await selectBackend({ backend, device: 'cpu', threads: 1 });
  const before = tf.memory().numTensors;
  const model = createModel(name, { numClasses: 7, inputSize: size });
  randomizeBatchNorms(model, 3);
  const copy = fuseBatchNorms(model);
  const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 5);
  const predict = (m: tfl.LayersModel) => tf.tidy(() => (logitsModel(m).predict(x) as tf.Tensor).dataSync());
  const [want, got] = [predict(model), predict(copy)];
  assert.ok(relativeMaxDiff(got, want) < 1e-5, `${name} on ${backend}: the fused copy differs from the model by ${relativeMaxDiff(got, want)}`);

  const [plain, fused] = [classCounts(model), classCounts(copy)];
  assert.equal(fused.BatchNorm, undefined, `${name}: every batch norm fused`);
  assert.equal(fused.GroupedConv2D, plain.GroupedConv2D, `${name}: one convolution per convolution`);
  assert.ok((fused.ReLU ?? 0) + (fused.ReLU6 ?? 0) < (plain.ReLU ?? 0) + (plain.ReLU6 ?? 0), `${name}: activations after a batch norm run inside the convolution`);

  // A snapshot: training the model afterwards leaves the fused copy as it was.
  randomizeBatchNorms(model, 4);
  assert.deepEqual(predict(copy), got);
  tf.dispose(x);
  copy.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${name}: the fused copy frees what it made`);
}

for (const name of listModels()) {
  test(`fuseBatchNorms ${name} on torch: same logits as the model in inference, no batch norm left, a snapshot, no leaks`, { skip: SKIP }, async () => {
    await checkFused(name, 'torch', SIZE);
  });
}

test('fuseBatchNorms mobilenet_v2 on cpu (generic conv, bias and relu6 ops): same logits', async () => {
  await checkFused('mobilenet_v2', 'cpu', 32);
});

test('on torch, a gradient through a convolution with a fused activation is refused with the reason', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
  const filter = tf.ones([1, 1, 2, 2]) as tf.Tensor4D;
  const loss = (f: tf.Tensor) => tf.sum(groupedConv2d(x, f as tf.Tensor4D, { activation: 'relu' }));
  assert.throws(() => tf.grad(loss)(filter), /activation 'relu' is for inference/);
  tf.dispose([x, filter]);
});
