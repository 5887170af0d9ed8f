import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS entry registers no gradients; the tfjs-layers bundle registers them all.
import '@tensorflow/tfjs-layers';
import { decayedVariables, makeOptimizer, weightDecayPenalty } from '../src/train/optimizer';

const sgd = { type: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 0 };

test('weight decay applies to kernels (rank >= 2) only, with gradient weightDecay * w', () => {
  const kernel = tf.variable(tf.tensor2d([[1, -2], [3, 4]]));
  const bias = tf.variable(tf.tensor1d([5, 6]));
  const decayed = decayedVariables([kernel, bias]);
  assert.deepEqual(decayed, [kernel]);
  const { grads } = tf.variableGrads(() => weightDecayPenalty(decayed, 0.01), [kernel]);
  assert.deepEqual(Array.from(grads[kernel.name].dataSync()).map((v) => +v.toFixed(6)), [0.01, -0.02, 0.03, 0.04]);
  tf.dispose([kernel, bias, ...Object.values(grads)]);
});

test('SGD with momentum: v = m*v + g, w -= lr*v, with the scheduled lr', () => {
  const w = tf.variable(tf.scalar(1));
  const opt = makeOptimizer(sgd);
  const step = () => opt.optimizer.applyGradients({ [w.name]: tf.scalar(1) });
  step(); // v = 1, w = 1 - 0.1
  opt.setLearningRate(0.01);
  step(); // v = 1.9, w = 0.9 - 0.019
  assert.ok(Math.abs(w.dataSync()[0] - 0.881) < 1e-6, String(w.dataSync()[0]));
  opt.dispose();
  w.dispose();
});

test('Adam takes the scheduled learning rate', () => {
  const w = tf.variable(tf.scalar(1));
  const opt = makeOptimizer({ ...sgd, type: 'adam' });
  opt.setLearningRate(0.5);
  opt.optimizer.applyGradients({ [w.name]: tf.scalar(2) });
  // Adam's first step moves by about lr, whatever the gradient's size.
  assert.ok(Math.abs(w.dataSync()[0] - 0.5) < 1e-3, String(w.dataSync()[0]));
  opt.dispose();
  w.dispose();
});

test('disposing an optimiser frees all of its tensors', () => {
  for (const cfg of [sgd, { ...sgd, momentum: 0 }, { ...sgd, type: 'adam' as const }]) {
    const w = tf.variable(tf.scalar(1));
    const grad = tf.scalar(1);
    const before = tf.memory().numTensors;
    const opt = makeOptimizer(cfg);
    opt.setLearningRate(0.05);
    opt.optimizer.applyGradients({ [w.name]: grad });
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, `${cfg.type} momentum ${cfg.momentum}`);
    tf.dispose([w, grad]);
  }
});
