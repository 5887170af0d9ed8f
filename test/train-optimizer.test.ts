import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS entry registers no gradients; the tfjs-layers bundle registers them all.
import '@tensorflow/tfjs-layers';
import { FusedMomentumOptimizer, decayedVariables, makeOptimizer } from '../src/train/optimizer';

const sgd = { type: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 0 };

test('weight decay: kernels (rank >= 2) only, weightDecay * w added to the gradient, with every optimiser', () => {
  for (const cfg of [sgd, { ...sgd, momentum: 0 }, { ...sgd, type: 'adam' as const }]) {
    const kernel = tf.variable(tf.tensor2d([[1, -2], [3, 4]]));
    const bias = tf.variable(tf.tensor1d([5, 6]));
    const decayed = decayedVariables([kernel, bias]);
    assert.deepEqual(decayed, [kernel]);
    const opt = makeOptimizer({ ...cfg, weightDecay: 0.01 }, decayed);
    const zeros = { [kernel.name]: tf.zerosLike(kernel), [bias.name]: tf.zerosLike(bias) };
    const before = tf.memory().numTensors;
    opt.applyGradients(zeros);
    // SGD's first step moves by lr * weightDecay * w; Adam's by about lr, in the direction of w.
    const expected = cfg.type === 'adam' ? [0.9, -1.9, 2.9, 3.9] : [0.999, -1.998, 2.997, 3.996];
    assert.deepEqual(Array.from(kernel.dataSync()).map((v) => +v.toFixed(cfg.type === 'adam' ? 2 : 6)), expected, `${cfg.type} momentum ${cfg.momentum}`);
    assert.deepEqual(Array.from(bias.dataSync()), [5, 6]);
    // Only the optimiser's new slots remain (no decayed gradient is left behind).
    const slots = cfg.type === 'adam' ? 4 : cfg.momentum > 0 ? 2 : 0;
    assert.equal(tf.memory().numTensors - before, slots, `${cfg.type} momentum ${cfg.momentum}`);
    opt.dispose();
    tf.dispose([kernel, bias, ...Object.values(zeros)]);
  }
});

/** A schedule of one step per epoch that divides the rate by ten after the first step. */
const tenfoldDrop = { config: { type: 'multistep' as const, milestones: [1], gamma: 0.1, warmupEpochs: 0 }, epochs: 2, stepsPerEpoch: 1 };

test('SGD with momentum: v = m*v + g, w -= lr*v, with the scheduled lr', () => {
  const w = tf.variable(tf.scalar(1));
  const opt = makeOptimizer(sgd, [], tenfoldDrop);
  const step = () => opt.applyGradients({ [w.name]: tf.scalar(1) });
  step(); // v = 1, w = 1 - 0.1
  assert.equal(opt.step, 1);
  assert.equal(opt.nextLearningRate, 0.1 * 0.1);
  step(); // v = 1.9, w = 0.9 - 0.019
  assert.ok(Math.abs(w.dataSync()[0] - 0.881) < 1e-6, String(w.dataSync()[0]));
  opt.dispose();
  w.dispose();
});

test('FusedMomentumOptimizer without the fused kernel (cpu) is tfjs\'s MomentumOptimizer to the bit, slots and their names too', async () => {
  const run = async (optimizer: tf.MomentumOptimizer) => {
    const variables = [tf.variable(tf.tensor2d([[1, -2], [3, 4]]), true, 'k'), tf.variable(tf.tensor1d([0.5, 0.25]), true, 'b')];
    for (let step = 1; step <= 3; step++) {
      optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: tf.mul(v, 0.3 * step) })));
    }
    const slots = await optimizer.getWeights();
    const out = { values: variables.map((v) => Array.from(v.dataSync())), slots: slots.map((w) => [w.name, Array.from(w.tensor.dataSync())]) };
    tf.dispose(variables);
    optimizer.dispose();
    return out;
  };
  assert.deepEqual(await run(new FusedMomentumOptimizer(0.1, 0.9)), await run(tf.train.momentum(0.1, 0.9)));
});

test('Adam takes the scheduled learning rate', () => {
  const w = tf.variable(tf.scalar(1));
  // Half of the base rate 1 at the first of two warm-up steps.
  const warmup = { config: { type: 'constant' as const, milestones: [], gamma: 1, warmupEpochs: 1 }, epochs: 1, stepsPerEpoch: 2 };
  const opt = makeOptimizer({ ...sgd, type: 'adam', lr: 1 }, [], warmup);
  opt.applyGradients({ [w.name]: tf.scalar(2) });
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
    const opt = makeOptimizer(cfg, [], tenfoldDrop);
    opt.applyGradients({ [w.name]: grad });
    opt.applyGradients({ [w.name]: grad }); // at the dropped rate, a new scalar for SGD
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, `${cfg.type} momentum ${cfg.momentum}`);
    tf.dispose([w, grad]);
  }
});
