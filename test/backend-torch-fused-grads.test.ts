// The torch backend's one-kernel activation gradients (src/ops/activation_grad.ts):
// the same values as tfjs-core's composed gradients, from one native kernel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import '../src/ops';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

/** x on both sides of the kinks (0, 6, and the clip bounds -1.5 and 2), the kinks themselves included. */
const VALUES = [-2, -1.5, -1, -0, 0, 1e-7, 0.5, 2, 2.5, 5.999, 6, 6.001, 9];

function activationGrads(): tf.Tensor[] {
  const x = tf.tensor1d(VALUES);
  const dyWeights = tf.tensor1d(VALUES.map((_, i) => i + 1));
  const clip = (a: tf.Tensor) => tf.clipByValue(a, -1.5, 2);
  return [tf.relu, tf.relu6, clip].map((act) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(act(a), dyWeights)))(x));
}

async function gradsOn(backend: 'cpu' | 'torch'): Promise<tf.TypedArray[]> {
  await selectBackend({ backend, device: 'cpu', threads: 1 });
  return tf.tidy(activationGrads).map((t) => t.dataSync());
}

test('Relu, Relu6 and ClipByValue gradients on torch equal tfjs-core\'s on cpu (at the kinks too)', { skip: SKIP }, async () => {
  assert.deepEqual(await gradsOn('torch'), await gradsOn('cpu'));
});

test('the Relu gradient is one DresnetReluGrad kernel on torch, not step and mul', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const info = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(tf.tensor1d(VALUES)));
  assert.ok(info.kernelNames.includes('DresnetReluGrad'), info.kernelNames.join(' '));
  assert.ok(!info.kernelNames.includes('Step'), info.kernelNames.join(' '));
});

// ReLU saves its output for its gradient (src/ops/activation_grad.ts): the
// mask must still be tfjs-core's, step(x), at 0 and -0 too.
test('the Relu gradient, taken from its output, is tfjs-core\'s dy * step(x) on cpu and on torch', async () => {
  for (const backend of SKIP ? ['cpu'] as const : ['cpu', 'torch'] as const) {
    await selectBackend({ backend, device: 'cpu', threads: 1 });
    const [got, expected] = tf.tidy(() => {
      const x = tf.tensor1d(VALUES);
      const dy = tf.tensor1d(VALUES.map((_, i) => i + 1));
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dy)))(x);
      return [grad, tf.mul(dy, tf.step(x))];
    });
    assert.deepEqual(Array.from(got.dataSync()), Array.from(expected.dataSync()), backend);
    tf.dispose([got, expected]);
  }
});

// An SE block's scale, x [N, H, W, C] * s [N, 1, 1, C] (src/ops/multiply_grad.ts):
// both gradients from one DresnetChannelScaleGrad kernel on torch, equal to
// tfjs-core's composed gradient on cpu within float32 rounding of the sums.
function channelScaleGrads(): tf.Tensor[] {
  const [n, h, w, c] = [3, 5, 7, 11];
  const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 1);
  const s = tf.randomUniform([n, 1, 1, c], 0, 1, 'float32', 2);
  const dyWeights = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 3);
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.mul(a, b), dyWeights));
  const [dx, ds] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([x, s]);
  // The scale on the left: the same gradients, swapped.
  const [ds2, dx2] = tf.grads((b: tf.Tensor, a: tf.Tensor) => loss(b, a))([s, x]);
  return [dx, ds, dx2, ds2];
}

test('Multiply\'s gradient for an [N,1,1,C] scale is one DresnetChannelScaleGrad on torch, equal to tfjs-core\'s on cpu', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 1 });
  const expected = tf.tidy(channelScaleGrads).map((t) => Array.from(t.dataSync()));
  for (const threads of [1, 2]) {
    await selectBackend({ backend: 'torch', device: 'cpu', threads });
    const info = await tf.profile(() => tf.tidy(channelScaleGrads));
    assert.ok(info.kernelNames.includes('DresnetChannelScaleGrad'), info.kernelNames.join(' '));
    const got = tf.tidy(channelScaleGrads).map((t) => Array.from(t.dataSync()));
    got.forEach((values, i) => {
      assert.equal(values.length, expected[i].length);
      values.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= 1e-5 * (1 + Math.abs(expected[i][j])), `${threads} threads, gradient ${i}[${j}]: ${v} vs ${expected[i][j]}`));
    });
    // dx is dy * s exactly, as tfjs-core's.
    assert.deepEqual(got[0], expected[0]);
    assert.deepEqual(got[2], expected[2]);
  }
});

test('Multiply\'s gradient keeps tfjs-core\'s for other broadcasts on torch', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const info = await tf.profile(() => tf.tidy(() => {
    const x = tf.ones([2, 3, 3, 4]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)))([x, tf.ones([1, 1, 1, 4])]);
  }));
  assert.ok(!info.kernelNames.includes('DresnetChannelScaleGrad'), info.kernelNames.join(' '));
});
