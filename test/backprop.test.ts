// A training step that frees as it goes, against tfjs's own: the forward pass
// of src/engine/training_forward.ts against model.apply, and the backprop of
// src/engine/backprop.ts against the engine.gradients it replaces. The same loss
// and gradients bit for bit, nothing leaked or freed too early, and a lower
// peak of tensor memory. tfjs-core's own gradient specs also run on the
// backprop (test/tfjs-core/setup.ts).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createModel, listModels, logitsModel, trainingLogits } from '../src/models';
import { installFreeingBackprop } from '../src/engine';
import { crossEntropyLoss } from '../src/train/losses';
import { withSeededMathRandom } from '../src/util/rng';

const SKIP_NATIVE = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

/** A step's peak tensor memory beyond its weight gradients, as a fraction of tfjs's step's. */
const LIMIT = 0.6;
/** The forward pass's peak in a model with ReLU layers, as a fraction of model.apply's. */
const FORWARD_LIMIT = 0.9;

type Gradients = (typeof tf.engine extends () => infer E ? E : never)['gradients'];

/** Runs f with tfjs's own engine.gradients in place of the installed one. */
function withTfjsBackprop<T>(f: () => T): T {
  const engine = tf.engine();
  const installed = engine.gradients;
  engine.gradients = Object.getPrototypeOf(engine).gradients as Gradients;
  try {
    return f();
  } finally {
    engine.gradients = installed;
  }
}

/** Element-wise equality with NaN == NaN and -0 != 0. */
function assertBitIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, tfjs's backprop gives ${expected[i]}`);
  }
}

/** Gradients of f at xs read back, under the installed and under tfjs's backprop; checks no tensor is left behind. */
function bothBackprops(f: (...xs: tf.Tensor[]) => tf.Scalar, xs: tf.Tensor[], dy?: tf.Scalar): { ours: Float32Array[]; tfjs: Float32Array[] } {
  const run = () => {
    const before = tf.memory().numTensors;
    const grads = tf.grads(f)(xs, dy);
    const values = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by a gradient');
    return values;
  };
  return { ours: run(), tfjs: withTfjsBackprop(run) };
}

test('edge cases of freeing: gradients equal tfjs\'s where a gradient is shared, foreign, the caller\'s, nested or unused', async () => {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 1 });
  installFreeingBackprop();
  const x = tf.tensor1d([-1.5, -0.25, 0.5, 2]);
  const w = tf.tensor1d([0.3, -0.7, 1.1, 0.9]);
  // An identity gradient hands dy on as dx: one tensor then holds two gradients.
  const passThrough = tf.customGrad(((a: tf.Tensor) => ({ value: tf.mul(a, 1), gradFunc: (dy: tf.Tensor) => dy })) as Parameters<typeof tf.customGrad>[0]);
  const fanOut = (a: tf.Tensor, b: tf.Tensor) => {
    const h = passThrough(tf.mul(a, b)) as tf.Tensor;
    return tf.add(tf.sum(tf.mul(h, h)), tf.sum(tf.relu(h))) as tf.Scalar;
  };
  let r = bothBackprops(fanOut, [x, w]);
  r.ours.forEach((g, i) => assertBitIdentical(g, r.tfjs[i], `fan-out through an identity gradient, input ${i}`));

  // A gradient function may return a tensor made outside the step: it must
  // survive. (tfjs's own backprop frees it when it adds a second gradient to it.)
  const outside = tf.tensor1d([1, 2, 3, 4]);
  const foreign = tf.customGrad(((a: tf.Tensor) => ({ value: tf.mul(a, 2), gradFunc: () => outside })) as Parameters<typeof tf.customGrad>[0]);
  const [twice] = tf.grads((a: tf.Tensor) => tf.add(tf.sum(foreign(a) as tf.Tensor), tf.sum(foreign(a) as tf.Tensor)) as tf.Scalar)([x]);
  assert.deepEqual(Array.from(twice.dataSync()), [2, 4, 6, 8]);
  assert.deepEqual(Array.from(outside.dataSync()), [1, 2, 3, 4], 'the outside tensor was freed');
  twice.dispose();

  // The caller's dy is the caller's.
  const dy = tf.scalar(3);
  r = bothBackprops((a) => tf.sum(tf.square(a)) as tf.Scalar, [x], dy);
  assertBitIdentical(r.ours[0], r.tfjs[0], 'with the caller\'s dy');
  assert.equal(dy.isDisposed, false, 'the caller\'s dy was freed');
  assert.equal(dy.dataSync()[0], 3);

  // A multi-output op with an output off the path (its dy is null), and one whose output feeds two ops.
  r = bothBackprops((a) => {
    const [lo, hi] = tf.split(a, 2);
    return tf.add(tf.sum(tf.mul(lo, lo)), tf.sum(tf.exp(lo))) as tf.Scalar;
  }, [x]);
  assertBitIdentical(r.ours[0], r.tfjs[0], 'split with an unused output');

  // Nested: the outer tape records the inner backward pass, which therefore runs tfjs's own.
  const secondDerivative = () => {
    const before = tf.memory().numTensors;
    const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.pow(b, 3), tf.sin(b))))(a)))(x);
    const values = g2.dataSync() as Float32Array;
    g2.dispose();
    assert.equal(tf.memory().numTensors, before);
    return values;
  };
  assertBitIdentical(secondDerivative(), withTfjsBackprop(secondDerivative), 'second derivative');

  // No path from x to y: tfjs's message.
  const unrelated = () => tf.grad(() => tf.sum(w))(x);
  assert.throws(unrelated, (e: Error) => {
    assert.throws(() => withTfjsBackprop(unrelated), { message: e.message });
    return /Cannot compute gradient of y=f\(x\) with respect to x/.test(e.message);
  });
  tf.dispose([x, w, outside, dy]);
});

for (const name of listModels()) {
  test(`${name}: a training step's loss and gradients are bit-identical to tfjs's, holding under ${LIMIT * 100}% of its peak memory beyond the weight gradients`, { skip: SKIP_NATIVE }, async () => {
    await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
    const backend = tf.backend() as TorchBackend;
    const batch = 8;
    const model = createModel(name, { numClasses: 3, inputSize: 64 });
    const x = tf.randomNormal([batch, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 3), 'int32');
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Dropout draws from Math.random: both steps get the same masks.
    const step = (logits: () => tf.Tensor2D) => withSeededMathRandom([1], () => {
      let grads: tf.Tensor[] = [];
      const resting = backend.memory().numBytesInATen;
      const before = tf.memory().numTensors;
      let forwardBytes = 0;
      const peak = backend.peakBytesDuring(() => {
        const result = tf.variableGrads(() => {
          let y: tf.Tensor2D | undefined;
          forwardBytes = backend.peakBytesDuring(() => {
            y = logits();
          }) - resting;
          return crossEntropyLoss(y!, labels);
        }, variables);
        grads = [result.value, ...variables.map((v) => result.grads[v.name])];
      });
      const values = grads.map((g) => g.dataSync() as Float32Array);
      tf.dispose(grads);
      assert.equal(tf.memory().numTensors, before, 'tensors left behind by the step');
      return { values, stepBytes: peak - resting, forwardBytes };
    });
    try {
      const freeing = () => trainingLogits(model, x);
      const tfjsLayers = () => logitsModel(model).apply(x, { training: true }) as tf.Tensor2D;
      step(freeing); // the first step re-lays the conv filters out once (native/src/ops/convolution.cc)
      const ours = step(freeing);
      const tfjs = withTfjsBackprop(() => step(tfjsLayers));
      ours.values.forEach((g, i) => assertBitIdentical(g, tfjs.values[i], i === 0 ? 'loss' : `gradient of ${variables[i - 1].name}`));
      // The weight gradients are the step's result, the same in both: the
      // bound is on what the step holds beyond them.
      const gradientBytes = variables.reduce((sum, v) => sum + 4 * v.size, 0);
      const [oursBeyond, tfjsBeyond] = [ours.stepBytes - gradientBytes, tfjs.stepBytes - gradientBytes];
      const ratio = oursBeyond / tfjsBeyond;
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(`${name}: a step's peak above resting ${mib(ours.stepBytes)} MiB, tfjs's ${mib(tfjs.stepBytes)}; ` +
        `beyond the ${mib(gradientBytes)} MiB of weight gradients ${mib(oursBeyond)} against ${mib(tfjsBeyond)} (${ratio.toFixed(2)}); ` +
        `the forward pass's peak ${mib(ours.forwardBytes)} against model.apply's ${mib(tfjs.forwardBytes)}`);
      assert.ok(ratio < LIMIT, `${name}: beyond its weight gradients the step peaked at ${ratio.toFixed(2)} of tfjs's memory`);
      // A batch norm's output that feeds a ReLU is freed in the forward pass
      // (ReLU keeps its own output for its gradient); ReLU6 keeps its input.
      const forwardRatio = ours.forwardBytes / tfjs.forwardBytes;
      const hasRelu = model.layers.some((l) => l.getClassName() === 'ReLU');
      assert.ok(forwardRatio <= (hasRelu ? FORWARD_LIMIT : 1), `${name}: the forward pass peaked at ${forwardRatio.toFixed(2)} of model.apply's`);
    } finally {
      tf.dispose([x, labels]);
      model.dispose();
    }
  });
}
