import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { learningRateAt, milestoneEpochs } from '../src/train/schedule';

const base = { type: 'multistep' as const, milestones: [0.5, 0.75], gamma: 0.1, warmupEpochs: 0 };
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('milestones: fractions of the run or epoch numbers', () => {
  assert.deepEqual(milestoneEpochs([0.5, 0.75], 20), [10, 15]);
  assert.deepEqual(milestoneEpochs([30, 10], 40), [10, 30]);
});

test('multistep drops by gamma at epoch boundaries (Table 2: lr 0.01, gamma 0.1)', () => {
  const at = (epoch: number, batch = 0) => learningRateAt(epoch * 10 + batch, 10, 20, 0.01, base);
  close(at(0), 0.01);
  close(at(9, 9), 0.01);
  close(at(10), 0.001);
  close(at(14, 9), 0.001);
  close(at(15), 0.0001);
});

test('linear warm-up, then cosine to zero', () => {
  const cfg = { ...base, type: 'cosine' as const, warmupEpochs: 1 };
  close(learningRateAt(0, 10, 11, 0.1, cfg), 0.01);
  close(learningRateAt(9, 10, 11, 0.1, cfg), 0.1);
  close(learningRateAt(10, 10, 11, 0.1, cfg), 0.1);
  close(learningRateAt(60, 10, 11, 0.1, cfg), 0.05);
  assert.ok(learningRateAt(109, 10, 11, 0.1, cfg) < 0.001);
});

test('constant', () => {
  close(learningRateAt(1234, 10, 20, 0.03, { ...base, type: 'constant' }), 0.03);
});
