import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  BATCH_NORM_TRAIN, GROUPED_CONV2D, GroupedConvGeometry, batchNormTrain, genericBatchNormTrain, genericBatchNormTrainGrad,
  genericGroupedConv2d, groupedConv2d,
} from '../src/ops';

tf.setBackend('cpu');

/** A deterministic pseudo-random tensor (the tests must not depend on Math.random). */
function seeded(shape: number[], seed: number): tf.Tensor {
  let state = seed;
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
  return tf.tensor(values, shape);
}

/** Builds the dense block-diagonal kernel element by element, independently of the op's own blockDiagonal. */
function denseFromGrouped(filter: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [kh, kw, ci, cout] = filter.shape;
  const co = cout / groups;
  const src = filter.arraySync();
  const dense = Array.from({ length: kh }, (_, a) => Array.from({ length: kw }, (_, b) =>
    Array.from({ length: ci * groups }, (_, c) => Array.from({ length: cout }, (_, o) =>
      (Math.floor(c / ci) === Math.floor(o / co) ? src[a][b][c % ci][o] : 0)))));
  return tf.tensor4d(dense);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

interface ConvCase { name: string; x: [number, number, number, number]; k: number; cout: number; geo: GroupedConvGeometry }
const CASES: ConvCase[] = [
  { name: '3x3 g=2 same', x: [2, 6, 6, 4], k: 3, cout: 6, geo: { strides: [1, 1], pad: 'same', groups: 2 } },
  { name: '3x3 g=3 stride 2 pad 1', x: [1, 7, 7, 6], k: 3, cout: 9, geo: { strides: [2, 2], pad: 1, groups: 3 } },
  { name: '1x1 g=4', x: [2, 5, 5, 8], k: 1, cout: 12, geo: { strides: [1, 1], pad: 'valid', groups: 4 } },
  { name: '1x1 g=2 stride 2 (odd size)', x: [2, 5, 5, 4], k: 1, cout: 6, geo: { strides: [2, 2], pad: 'same', groups: 2 } },
  { name: 'depthwise x2 stride 2', x: [1, 6, 6, 4], k: 3, cout: 8, geo: { strides: [2, 2], pad: 'same', groups: 4 } },
  { name: 'dense 3x3 valid', x: [1, 5, 5, 3], k: 3, cout: 4, geo: { strides: [1, 1], pad: 'valid', groups: 1 } },
];

function caseTensors(c: ConvCase, seed: number): { x: tf.Tensor4D; filter: tf.Tensor4D } {
  const x = seeded(c.x, seed) as tf.Tensor4D;
  const filter = seeded([c.k, c.k, c.x[3] / c.geo.groups, c.cout], seed + 1) as tf.Tensor4D;
  return { x, filter };
}

for (const c of CASES) {
  test(`groupedConv2d ${c.name} equals a dense conv with a block-diagonal kernel`, () => {
    const { x, filter } = caseTensors(c, 7);
    const got = groupedConv2d(x, filter, c.geo);
    const want = tf.conv2d(x, denseFromGrouped(filter, c.geo.groups), c.geo.strides, c.geo.pad);
    assert.ok(maxAbsDiff(got, want) < 1e-5, `${c.name}: max diff ${maxAbsDiff(got, want)}`);
  });
}

/** Central-difference gradient of sum(f(v) * weights) w.r.t. every element of v. */
function numericGrad(f: (v: tf.Tensor) => tf.Tensor, v: tf.Tensor, weights: tf.Tensor, h: number): Float32Array {
  const base = Float32Array.from(v.dataSync());
  const out = new Float32Array(base.length);
  const loss = (vals: Float32Array): number => tf.tidy(() => tf.sum(tf.mul(f(tf.tensor(vals, v.shape)), weights)).dataSync()[0]);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice(); plus[i] += h;
    const minus = base.slice(); minus[i] -= h;
    out[i] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return out;
}

function assertClose(got: tf.Tensor, want: Float32Array, tol: number, what: string): void {
  const g = got.dataSync();
  assert.equal(g.length, want.length, what);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < g.length; i++) {
    assert.ok(Math.abs(g[i] - want[i]) <= tol * scale, `${what}[${i}]: ${g[i]} vs numeric ${want[i]}`);
  }
}

/**
 * Registers a stand-in "native" kernel on the cpu backend so that the op takes
 * its native path: the tape then records our registered gradient, whose
 * backprop ops run their generic tfjs-kernel implementations.
 */
function withStandInKernel(name: string, impl: (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => tf.TensorInfo | tf.TensorInfo[], body: () => void): void {
  tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: ({ inputs, attrs }) => impl(inputs as tf.NamedTensorMap, attrs ?? {}) });
  try {
    body();
  } finally {
    tf.unregisterKernel(name, 'cpu');
  }
}

function checkConvGradients(c: ConvCase, label: string): void {
  const { x, filter } = caseTensors(c, 11);
  const dyWeights = seeded(groupedConv2d(x, filter, c.geo).shape, 13);
  const [dx, dfilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.geo))([x, filter], dyWeights);
  const nx = numericGrad((v) => genericGroupedConv2d(v as tf.Tensor4D, filter, c.geo), x, dyWeights, 1e-2);
  const nf = numericGrad((v) => genericGroupedConv2d(x, v as tf.Tensor4D, c.geo), filter, dyWeights, 1e-2);
  assertClose(dx, nx, 2e-3, `${label} ${c.name} dx`);
  assertClose(dfilter, nf, 2e-3, `${label} ${c.name} dfilter`);
}

for (const c of CASES) {
  test(`groupedConv2d ${c.name}: generic-path gradients match numeric gradients`, () => {
    assert.equal(tf.getKernel(GROUPED_CONV2D, 'cpu'), undefined);
    checkConvGradients(c, 'generic');
  });

  test(`groupedConv2d ${c.name}: native-path gradient (registered) matches numeric gradients`, () => {
    let calls = 0;
    const impl = (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.TensorInfo => {
      calls++;
      return genericGroupedConv2d(inputs.x as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs as unknown as GroupedConvGeometry);
    };
    withStandInKernel(GROUPED_CONV2D, impl, () => checkConvGradients(c, 'native'));
    assert.ok(calls > 0, 'the op did not dispatch to the registered kernel');
  });
}

const BN_X = [3, 2, 2, 3];

function bnTensors(): { x: tf.Tensor; scale: tf.Tensor1D; offset: tf.Tensor1D; weights: tf.Tensor } {
  const x = tf.add(seeded(BN_X, 3), tf.tensor1d([0.5, -1, 2]));
  return { x, scale: tf.tensor1d([1.5, -0.7, 0.9]), offset: tf.tensor1d([0.1, 0.2, -0.3]), weights: seeded(BN_X, 5) };
}

test('batchNormTrain forward: batch mean, biased variance, invStd = 1/sqrt(var+eps)', () => {
  const { x, scale, offset } = bnTensors();
  const eps = 1e-3;
  const { y, mean, invStd } = batchNormTrain(x, scale, offset, eps);
  const { mean: m, variance } = tf.moments(x, [0, 1, 2]);
  assert.ok(maxAbsDiff(mean, m) < 1e-6);
  assert.ok(maxAbsDiff(invStd, tf.rsqrt(tf.add(variance, eps))) < 1e-5);
  assert.ok(maxAbsDiff(y, tf.batchNorm(x, m, variance, offset, scale, eps)) < 1e-5);
  // Normalised output of a unit-scale, zero-offset BN has zero mean per channel.
  const z = batchNormTrain(x, tf.ones([3]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, eps).y;
  assert.ok(tf.max(tf.abs(tf.mean(z, [0, 1, 2]))).dataSync()[0] < 1e-5);
});

test('batchNormTrain running statistics: (1 - momentum)·running + momentum·batch, the variance unbiased', () => {
  const { x, scale, offset } = bnTensors();
  const running = { mean: tf.tensor1d([1, 2, 3]), variance: tf.tensor1d([4, 5, 6]), momentum: 0.1 };
  const { running: updated } = batchNormTrain(x, scale, offset, 1e-3, running);
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const n = x.size / 3;
  assert.ok(maxAbsDiff(updated!.mean, tf.add(tf.mul(running.mean, 0.9), tf.mul(mean, 0.1))) < 1e-6);
  assert.ok(maxAbsDiff(updated!.variance, tf.add(tf.mul(running.variance, 0.9), tf.mul(variance, 0.1 * n / (n - 1)))) < 1e-5);
  assert.equal(batchNormTrain(x, scale, offset, 1e-3).running, undefined);
});

function checkBnGradients(label: string, rank2 = false): void {
  const t = bnTensors();
  const x = rank2 ? tf.reshape(t.x, [12, 3]) : t.x;
  const weights = rank2 ? tf.reshape(t.weights, [12, 3]) : t.weights;
  const eps = 1e-3;
  const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => batchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, eps).y;
  const [dx, ds, dOff] = tf.grads(f)([x, t.scale, t.offset], weights);
  const ref = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => genericBatchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, eps).y;
  assertClose(dx, numericGrad((v) => ref(v, t.scale, t.offset), x, weights, 1e-2), 1e-2, `${label} dx`);
  assertClose(ds, numericGrad((v) => ref(x, v, t.offset), t.scale, weights, 1e-2), 1e-2, `${label} dScale`);
  assertClose(dOff, numericGrad((v) => ref(x, t.scale, v), t.offset, weights, 1e-2), 1e-2, `${label} dOffset`);
}

test('batchNormTrain generic-path gradients match numeric gradients (NHWC and [N,C])', () => {
  checkBnGradients('generic');
  checkBnGradients('generic rank 2', true);
});

test('genericBatchNormTrainGrad (closed form) matches tfjs autodiff of the composite', () => {
  const { x, scale, offset, weights } = bnTensors();
  const { mean, invStd } = genericBatchNormTrain(x, scale, offset, 1e-3);
  const closed = genericBatchNormTrainGrad(weights, x, scale, mean, invStd);
  const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => genericBatchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, 1e-3).y;
  const [dx, ds, dOff] = tf.grads(f)([x, scale, offset], weights);
  assert.ok(maxAbsDiff(closed.dx, dx) < 1e-4);
  assert.ok(maxAbsDiff(closed.dScale, ds) < 1e-4);
  assert.ok(maxAbsDiff(closed.dOffset, dOff) < 1e-4);
});

test('batchNormTrain native-path gradient (registered) matches numeric gradients', () => {
  let calls = 0;
  const impl = (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.TensorInfo[] => {
    calls++;
    const r = genericBatchNormTrain(inputs.x, inputs.scale as tf.Tensor1D, inputs.offset as tf.Tensor1D, attrs.epsilon as number);
    return [r.y, r.mean, r.invStd];
  };
  withStandInKernel(BATCH_NORM_TRAIN, impl, () => checkBnGradients('native'));
  assert.ok(calls > 0, 'the op did not dispatch to the registered kernel');
});

test('Sum and Mean gradients (broadcast dy, no ones tensor) equal dy spread over the reduced axes, / count for Mean', () => {
  const x = seeded([2, 3, 4, 5], 11);
  const cases: Array<{ axis: number | number[]; keepDims: boolean }> = [
    { axis: [1, 2], keepDims: false }, { axis: [1, 2], keepDims: true }, { axis: -1, keepDims: false }, { axis: [0, 1, 2, 3], keepDims: false },
  ];
  for (const { axis, keepDims } of cases) {
    for (const op of ['sum', 'mean'] as const) {
      const reduce = (t: tf.Tensor) => (op === 'sum' ? tf.sum(t, axis, keepDims) : tf.mean(t, axis, keepDims));
      const outShape = reduce(x).shape;
      const w = seeded(outShape, 5);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t), w)))(x);
      // Independent expectation: each x element receives the weight of the output it was reduced into.
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const expected = tf.mul(tf.reshape(w, keptShape), tf.fill(x.shape, op === 'sum' ? 1 : 1 / count));
      assert.deepEqual(grad.shape, x.shape);
      const [got, want] = [grad.dataSync(), expected.dataSync()];
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * Math.abs(want[i]), `${op} axis ${axis} keepDims ${keepDims}: [${i}] ${got[i]} vs ${want[i]}`);
      }
    }
  }
});
