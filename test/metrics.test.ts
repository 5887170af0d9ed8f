import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { builtInRoles } from '../src/data/roles';
import {
  clinicalMetrics, confusionMatrix, evaluatePredictions, perClassMetrics, rocAuc, topKAccuracy,
} from '../src/train/metrics';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('confusion matrix counts true rows against predicted columns', () => {
  const m = confusionMatrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 0, 2, 2], 3);
  assert.deepEqual(m, [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
});

test('per-class precision, recall and F1 on a hand-made case', () => {
  const m = [[1, 1, 0], [0, 2, 0], [1, 0, 2]];
  const [a, b, c] = perClassMetrics(m, ['a', 'b', 'c']);
  close(a.precision, 1 / 2); close(a.recall, 1 / 2); close(a.f1, 1 / 2);
  close(b.precision, 2 / 3); close(b.recall, 1); close(b.f1, 0.8);
  close(c.precision, 1); close(c.recall, 2 / 3); close(c.f1, 0.8);
  assert.equal(c.support, 3);
  const [never] = perClassMetrics([[0, 1], [0, 1]], ['x', 'y']);
  assert.equal(never.precision, 0); // never predicted: 0/0 reported as 0
});

test('ROC AUC: perfect, inverted, hand-made, and ties counted as one half', () => {
  close(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]), 1);
  close(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]), 0);
  // positives 0.35, 0.8 vs negatives 0.1, 0.4: pairs won 1 + 2 of 4.
  close(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  close(rocAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]), 0.5);
  close(rocAuc([0.3, 0.5, 0.5], [false, true, false]), 0.75);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [true, true])));
});

test('top-k accuracy', () => {
  const probs = Float32Array.from([0.5, 0.3, 0.2, 0.1, 0.2, 0.7, 0.2, 0.5, 0.3]);
  const p = { probs, labels: [1, 0, 2], numClasses: 3 };
  close(topKAccuracy(p, 1), 0);
  close(topKAccuracy(p, 2), 2 / 3);
  close(topKAccuracy(p, 3), 1);
});

test('clinical view from a 7-class model sums the abnormal probabilities', () => {
  const classes = ['normal_superficial', 'normal_intermediate', 'normal_columnar', 'light_dysplastic', 'moderate_dysplastic', 'severe_dysplastic', 'carcinoma_in_situ'];
  // Sample 0: argmax is normal_superficial (0.4) but P(abnormal) = 0.6 -> called abnormal.
  const rows = [
    [0.4, 0.0, 0.0, 0.15, 0.15, 0.15, 0.15], // true abnormal (label 3)
    [0.1, 0.7, 0.0, 0.2, 0.0, 0.0, 0.0], // true normal
    [0.3, 0.3, 0.1, 0.3, 0.0, 0.0, 0.0], // true normal, P(abn) 0.3
    [0.3, 0.25, 0.2, 0.1, 0.05, 0.05, 0.05], // true abnormal (label 6), P(abn) 0.25 -> missed
  ];
  const p = { probs: Float32Array.from(rows.flat()), labels: [3, 1, 0, 6], numClasses: 7 };
  const roles = builtInRoles({ source: 'herlev', task: 'herlev7', classes })!;
  const c = clinicalMetrics(p, roles)!;
  close(c.sensitivity, 0.5);
  close(c.specificity, 1);
  // abnormal scores 0.6, 0.25 vs normal 0.2, 0.3: 3 of 4 pairs ordered.
  close(c.auc, 0.75, 1e-6);
  assert.equal(c.abnormal, 2);
  const m = evaluatePredictions(p, classes, roles);
  assert.ok(m.top5 !== undefined, 'top-5 reported with more than 5 classes');
  assert.equal(clinicalMetrics(p, undefined), undefined, 'no roles, no clinical view');
});

test('herlev2 roles (normal / abnormal) give the clinical view; top-5 absent with 2 classes', () => {
  const p = { probs: Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]), labels: [0, 1, 1], numClasses: 2 };
  const m = evaluatePredictions(p, ['normal', 'abnormal'], builtInRoles({ source: 'herlev', task: 'herlev2', classes: ['normal', 'abnormal'] }));
  assert.equal(m.top5, undefined);
  close(m.top1, 2 / 3);
  close(m.clinical!.sensitivity, 0.5);
  close(m.clinical!.specificity, 1);
  close(m.clinical!.auc, 1);
});
