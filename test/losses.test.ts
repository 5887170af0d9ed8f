import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS entry registers no gradients; the tfjs-layers bundle registers them all.
import '@tensorflow/tfjs-layers';
import { crossEntropyLoss, focalLoss, makeLoss } from '../src/train/losses';
import { UserError } from '../src/util/errors';

const LOGITS = [
  [2.0, -1.0, 0.5, 0.1],
  [-0.3, 0.2, 1.7, -2.2],
  [0.0, 0.0, 0.0, 0.0],
  [4.0, -3.0, 1.0, 2.5],
];
const LABELS = [0, 2, 1, 3];

function softmax64(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Eq. 5 in float64, straight from the formula: mean of -alpha_t (1 - p_t)^gamma log p_t. */
function focalReference(logits: number[][], labels: number[], gamma: number, alpha: number[]): number {
  const losses = logits.map((row, i) => {
    const pt = softmax64(row)[labels[i]];
    return -alpha[labels[i]] * (1 - pt) ** gamma * Math.log(pt);
  });
  return losses.reduce((a, b) => a + b, 0) / losses.length;
}

function tfFocal(logits: number[][], gamma: number, alpha?: number | number[], labelSmoothing = 0): number {
  return tf.tidy(() =>
    focalLoss(tf.tensor2d(logits), tf.tensor1d(LABELS, 'int32'), { gamma, alpha, labelSmoothing }).dataSync()[0],
  );
}

test('focal loss with gamma=0, alpha=1 equals cross-entropy to 1e-6', () => {
  const ce = focalReference(LOGITS, LABELS, 0, [1, 1, 1, 1]);
  assert.ok(Math.abs(tfFocal(LOGITS, 0, 1) - ce) < 1e-6, `${tfFocal(LOGITS, 0, 1)} vs ${ce}`);
  const viaCe = tf.tidy(() => crossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(LABELS, 'int32')).dataSync()[0]);
  assert.ok(Math.abs(viaCe - ce) < 1e-6);
});

test('focal loss matches eq. 5 for gamma=2 and a per-class alpha', () => {
  const alpha = [0.25, 0.5, 1, 2];
  const ref = focalReference(LOGITS, LABELS, 2, alpha);
  const got = tfFocal(LOGITS, 2, alpha);
  assert.ok(Math.abs(got - ref) < 1e-6, `${got} vs ${ref}`);
  // The modulating factor shrinks the loss of easy examples: focal < CE here.
  assert.ok(tfFocal(LOGITS, 2) < tfFocal(LOGITS, 0));
});

test('focal loss gradient with respect to the logits matches a numeric gradient', () => {
  const alpha = [0.5, 1, 1.5, 1];
  const gamma = 2;
  const analytic = tf.tidy(() =>
    tf.grad((x: tf.Tensor) => focalLoss(x as tf.Tensor2D, tf.tensor1d(LABELS, 'int32'), { gamma, alpha }))(tf.tensor2d(LOGITS)).arraySync(),
  ) as number[][];
  const h = 1e-5;
  for (let i = 0; i < LOGITS.length; i++) {
    for (let j = 0; j < LOGITS[i].length; j++) {
      const plus = LOGITS.map((r) => [...r]);
      const minus = LOGITS.map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      const numeric = (focalReference(plus, LABELS, gamma, alpha) - focalReference(minus, LABELS, gamma, alpha)) / (2 * h);
      assert.ok(Math.abs(analytic[i][j] - numeric) < 1e-4, `d/dlogit[${i}][${j}]: ${analytic[i][j]} vs ${numeric}`);
    }
  }
});

test('label smoothing gives the smoothed cross-entropy', () => {
  const eps = 0.1;
  const k = 4;
  const expected = LOGITS.map((row, i) => {
    const p = softmax64(row);
    return -p.reduce((a, pc, c) => a + ((c === LABELS[i] ? 1 - eps : 0) + eps / k) * Math.log(pc), 0);
  }).reduce((a, b) => a + b, 0) / LOGITS.length;
  assert.ok(Math.abs(tfFocal(LOGITS, 0, undefined, eps) - expected) < 1e-6);
});

test('a saturated, confidently wrong prediction gives a finite loss and still a gradient', () => {
  // p_true = e^-200: a softmax-then-clip loss is flat here, so such a sample never learns.
  const logits = tf.tensor2d([[200, 0], [0, 200]]);
  const labels = tf.tensor1d([1, 0], 'int32');
  for (const gamma of [0, 2]) {
    const loss = tf.tidy(() => focalLoss(logits, labels, { gamma }).dataSync()[0]);
    assert.ok(Number.isFinite(loss) && Math.abs(loss - 200) < 1e-3, `gamma ${gamma}: loss ${loss}, expected 200`);
    const grad = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => focalLoss(x as tf.Tensor2D, labels, { gamma }))(logits).dataSync()));
    // d/dlogits of mean(-log p_true) is (p - onehot)/n: +-0.5 on each row.
    assert.deepEqual(grad.map((g) => Math.round(g * 1e4) / 1e4), [0.5, -0.5, -0.5, 0.5], `gamma ${gamma}`);
  }
  tf.dispose([logits, labels]);
});

test('makeLoss rejects a per-class alpha of the wrong length, naming the key', () => {
  assert.throws(
    () => makeLoss({ type: 'focal', gamma: 2, alpha: [1, 2], labelSmoothing: 0 }, 4),
    (err: unknown) => err instanceof UserError && /train\.loss\.alpha/.test(err.message) && /4/.test(err.message),
  );
});

test('loss functions leak no tensors', () => {
  const fn = makeLoss({ type: 'focal', gamma: 2, alpha: [1, 1, 1, 1], labelSmoothing: 0.1 }, 4);
  const logits = tf.tensor2d(LOGITS) as tf.Tensor2D;
  const labels = tf.tensor1d(LABELS, 'int32');
  const before = tf.memory().numTensors;
  fn(logits, labels).dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([logits, labels]);
});
