// train.loss.bnL1 (network slimming's sparsity term): trainStep adds
// bnL1 · Σ|γ| over the batch norms to the loss it differentiates, and still
// reports the data loss alone.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BatchNorm, createModel } from '../src/models';
import { makeLoss } from '../src/train/losses';
import { makeOptimizer } from '../src/train/optimizer';
import { trainStep } from '../src/train/step';

const LR = 0.1;
const BNL1 = 0.01;

/** γ of every batch norm after one plain SGD step of a fresh, identically seeded DResNet, and the step's reported loss. */
function stepGammas(bnL1: number): { gammas: Float32Array[]; loss: number } {
  const model = createModel('dresnet', { numClasses: 4, inputSize: 32, width: 0.125 });
  // Same initial weights for both calls: the builder's initialisers draw from Math.random.
  model.weights.forEach((w, i) => { const t = tf.fill(w.shape as number[], 0.01 * ((i % 7) + 1)); if (!/moving_variance|gamma/.test(w.name)) w.write(t); t.dispose(); });
  const optimizer = makeOptimizer({ type: 'sgd', lr: LR, momentum: 0, weightDecay: 0 });
  const x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const { loss } = trainStep(model, optimizer, makeLoss({ type: 'ce', gamma: 0, alpha: undefined, labelSmoothing: 0, bnL1 }, 4), { x, y });
  const gammas = model.layers.filter((l) => l instanceof BatchNorm).map((l) => l.getWeights()[0].dataSync() as Float32Array);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { gammas, loss };
}

test('train.loss.bnL1: one SGD step moves every positive gamma down by lr * bnL1 more than without it; the reported loss is the data loss', async () => {
  await tf.setBackend('cpu');
  const plain = stepGammas(0);
  const slim = stepGammas(BNL1);
  assert.ok(Math.abs(plain.loss - slim.loss) < 1e-6, `data loss ${slim.loss} vs ${plain.loss}`);
  let checked = 0;
  plain.gammas.forEach((g, l) => g.forEach((v, c) => {
    assert.ok(Math.abs(v - LR * BNL1 - slim.gammas[l][c]) < 1e-6, `layer ${l} channel ${c}: ${slim.gammas[l][c]} vs ${v} - ${LR * BNL1}`);
    checked++;
  }));
  assert.ok(checked > 100, `${checked} scales`);
});
