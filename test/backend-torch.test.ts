// The torch backend itself: storage and frees, the native custom kernels
// against the generic tfjs-ops implementations (run on cpu), and no leaks
// across 50 training steps.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { describeBackend, selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createModel } from '../src/models';
import { batchNormTrain, groupedConv2d, momentumUpdate, ConvPad } from '../src/ops';
import { FusedMomentumOptimizer } from '../src/train/optimizer';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

function seeded(shape: number[], seed: number): tf.Tensor {
  let state = seed;
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  }), shape);
}

/** One thread: OpenMP's spin-waiting makes 2 threads slower on a shared, busy CI machine. */
async function useTorch(): Promise<TorchBackend> {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  return tf.backend() as TorchBackend;
}

/** Runs f on cpu and on torch; returns the outputs' values from both. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ cpu: tf.TypedArray[]; torch: tf.TypedArray[]; shapes: number[][] }> {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 0 });
  const cpuOut = tf.tidy(f);
  const cpu = cpuOut.map((t) => t.dataSync());
  await useTorch();
  const torchOut = tf.tidy(f);
  const torch = torchOut.map((t) => t.dataSync());
  assert.deepEqual(torchOut.map((t) => t.shape), cpuOut.map((t) => t.shape));
  const shapes = cpuOut.map((t) => t.shape);
  tf.dispose([...cpuOut, ...torchOut]);
  return { cpu, torch, shapes };
}

function assertClose(a: tf.TypedArray[], b: tf.TypedArray[], tol: number, label: string): void {
  a.forEach((values, k) => {
    let scale = 0;
    for (const v of b[k]) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < values.length; i++) {
      assert.ok(Math.abs(values[i] - b[k][i]) <= tol * Math.max(scale, 1), `${label} output ${k}[${i}]: ${values[i]} vs ${b[k][i]}`);
    }
  });
}

test('write/read round-trips float32, int32 and bool with tfjs dtypes', { skip: SKIP }, async () => {
  await useTorch();
  tf.tidy(() => {
    const f = tf.tensor([1.5, -2, 3], [3], 'float32');
    const i = tf.tensor([1, -2, 3], [3], 'int32');
    const b = tf.tensor([1, 0, 1], [3], 'bool');
    assert.deepEqual(Array.from(tf.add(f, tf.cast(i, 'float32')).dataSync()), [2.5, -4, 6]);
    const square = tf.mul(i, i);
    assert.equal(square.dtype, 'int32');
    assert.deepEqual(Array.from(square.dataSync()), [1, 4, 9]);
    const not = tf.logicalNot(b);
    assert.equal(not.dtype, 'bool');
    assert.deepEqual(Array.from(not.dataSync()), [0, 1, 0]);
    assert.deepEqual(Array.from(tf.sum(b).dataSync()), [2]);
  });
});

test('float64 reference mode: float32 tensors round-trip, compute in ATen double, and convert when the mode changes', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1, torchFloat64: true });
  const backend = tf.backend() as TorchBackend;
  try {
    assert.equal(backend.nativeInfo().floatType, 'float64');
    const values = Float32Array.from([1 / 3, -2.5, 7.1e-5, 3e38, -0]);
    const kept = tf.tensor(values);
    const negated = tf.neg(kept);
    const before = backend.memory().numBytesInATen;
    // Stored as double (8 bytes each); the read narrows back exactly.
    const stored = tf.neg(negated);
    assert.equal(backend.memory().numBytesInATen - before, 8 * values.length);
    assert.deepEqual(stored.dataSync(), values);
    assert.equal(stored.dtype, 'float32');
    // 2^24 + 1 is not a float32: (1 + 2^24) - 2^24 is 0 in float32, 1 in double.
    const ones = tf.ones([4]);
    const big = tf.fill([4], 2 ** 24);
    assert.deepEqual(Array.from(tf.sub(tf.add(ones, big), big).dataSync()), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(tf.cast(tf.mean(tf.tensor([1, 2], [2], 'int32')), 'float32').dataSync()), [1.5]);
    // Switching back converts live tensors to float32.
    await useTorch();
    assert.equal(backend.nativeInfo().floatType, 'float32');
    assert.deepEqual(stored.dataSync(), values);
    assert.deepEqual(Array.from(tf.sub(tf.add(ones, big), big).dataSync()), [0, 0, 0, 0]);
    tf.dispose([kept, negated, stored, ones, big]);
  } finally {
    await useTorch();
  }
});

test('uploads written values lazily and frees ATen tensors as soon as tfjs disposes them', { skip: SKIP }, async () => {
  const backend = await useTorch();
  const handles = () => backend.binding.numHandles();
  const before = handles();
  const bytesBefore = backend.memory().numBytesInATen;
  const written = tf.tensor2d([[1, 2], [3, 4]]);
  assert.equal(handles(), before, 'a written tensor is not uploaded before an op needs it');
  const big = tf.tidy(() => tf.add(tf.fill([1024, 1024], 2), tf.slice(written, [0, 0], [1, 1])));
  assert.ok(handles() > before);
  assert.ok(backend.memory().numBytesInATen >= bytesBefore + 4 * 1024 * 1024);
  assert.equal(big.dataSync()[0], 3);
  tf.dispose([written, big]);
  assert.equal(handles(), before);
  assert.equal(backend.memory().numBytesInATen, bytesBefore);
});

const CONV_CASES: Array<{ x: [number, number, number, number]; k: number; cout: number; strides: number; pad: ConvPad; groups: number }> = [
  { x: [2, 8, 8, 8], k: 3, cout: 8, strides: 1, pad: 'same', groups: 4 },
  { x: [2, 8, 8, 8], k: 3, cout: 16, strides: 2, pad: 'same', groups: 2 }, // asymmetric 'same' padding
  { x: [2, 7, 7, 6], k: 3, cout: 6, strides: 2, pad: 'same', groups: 6 }, // depthwise
  { x: [2, 9, 9, 4], k: 1, cout: 8, strides: 1, pad: 'valid', groups: 2 },
  { x: [1, 10, 10, 3], k: 7, cout: 4, strides: 2, pad: 3, groups: 1 },
  { x: [1, 9, 9, 20], k: 3, cout: 20, strides: 1, pad: 1, groups: 20 }, // depthwise over few pixels: the row kernel
  { x: [1, 20, 20, 20], k: 3, cout: 20, strides: 1, pad: 1, groups: 20 }, // depthwise over 400 pixels: ATen's
  // Grouped 1x1s through the row kernels: channels a group that fill no whole
  // vector (4, 5, 12), one tile and a part (8), several tiles (48, 96); strided ones.
  { x: [2, 6, 6, 32], k: 1, cout: 16, strides: 1, pad: 'same', groups: 4 },
  { x: [2, 5, 5, 20], k: 1, cout: 20, strides: 1, pad: 'valid', groups: 4 },
  { x: [2, 9, 9, 48], k: 1, cout: 48, strides: 1, pad: 'same', groups: 4 },
  { x: [2, 7, 7, 24], k: 1, cout: 32, strides: 2, pad: 'same', groups: 4 },
  { x: [1, 24, 24, 192], k: 1, cout: 192, strides: 1, pad: 'valid', groups: 4 },
  { x: [1, 33, 33, 96], k: 1, cout: 192, strides: 2, pad: 'same', groups: 2 },
  // ... and 128 channels a group or more: BLAS, one product per group, under
  // the AVX2 tiles' rule; the rows where the CPU has AVX-512 (test/grouped-pointwise-isa
  // runs both).
  { x: [2, 3, 3, 512], k: 1, cout: 512, strides: 1, pad: 'same', groups: 4 },
  { x: [1, 5, 5, 256], k: 1, cout: 256, strides: 2, pad: 'same', groups: 2 },
];

for (const c of CONV_CASES) {
  test(`DresnetGroupedConv2D native = generic: x ${c.x} k${c.k} s${c.strides} pad ${c.pad} groups ${c.groups} (forward, dx, dfilter)`, { skip: SKIP }, async () => {
    const filterShape = [c.k, c.k, c.x[3] / c.groups, c.cout];
    const opts = { strides: c.strides, pad: c.pad, groups: c.groups };
    await useTorch();
    const { cpu, torch } = await onBoth(() => {
      const x = seeded(c.x, 1) as tf.Tensor4D;
      const filter = seeded(filterShape, 2) as tf.Tensor4D;
      const y = groupedConv2d(x, filter, opts);
      const dyWeights = seeded(y.shape, 3);
      const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(groupedConv2d(a as tf.Tensor4D, b as tf.Tensor4D, opts), dyWeights)))([x, filter]);
      return [y, dx, dFilter];
    });
    assertClose(torch, cpu, 1e-5, 'grouped conv');
  });
}

for (const [i, c] of CONV_CASES.entries()) {
  const activation = (['linear', 'relu', 'relu6'] as const)[i % 3];
  test(`DresnetGroupedConv2D with bias and ${activation} native = generic: x ${c.x} k${c.k} groups ${c.groups} (forward; dbias when linear)`, { skip: SKIP }, async () => {
    const opts = { strides: c.strides, pad: c.pad, groups: c.groups };
    const { cpu, torch } = await onBoth(() => {
      const x = seeded(c.x, 1) as tf.Tensor4D;
      const filter = seeded([c.k, c.k, c.x[3] / c.groups, c.cout], 2) as tf.Tensor4D;
      // Scaled so that relu6 clips some outputs at 6 as well as at 0.
      const bias = tf.mul(seeded([c.cout], 4), 16) as tf.Tensor1D;
      const y = groupedConv2d(tf.mul(x, 8) as tf.Tensor4D, filter, { ...opts, bias, activation });
      if (activation !== 'linear') return [y];
      const dyWeights = seeded(y.shape, 3);
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(groupedConv2d(x, a as tf.Tensor4D, { ...opts, bias: b as tf.Tensor1D }), dyWeights)))([filter, bias]);
      return [y, ...grads];
    });
    assertClose(torch, cpu, 1e-5, `grouped conv with bias, ${activation}`);
    if (activation === 'relu6') {
      const y = cpu[0];
      assert.ok(y.some((v) => v === 6) && y.some((v) => v === 0) && y.some((v) => v > 0 && v < 6), 'the relu6 case clips at both ends');
    }
  });
}

// [8, 16, 16, 58]: rows split across threads and accumulation blocks, C not a multiple of a vector.
for (const shape of [[4, 5, 5, 6], [2, 1, 1, 3], [16, 10], [8, 16, 16, 58]]) {
  test(`DresnetBatchNormTrain native = generic on x ${shape} (y, mean, invStd, running mean and variance, dx, dScale, dOffset)`, { skip: SKIP }, async () => {
    const c = shape[shape.length - 1];
    const { cpu, torch } = await onBoth(() => {
      const x = seeded(shape, 4);
      const scale = tf.add(seeded([c], 5), 1) as tf.Tensor1D;
      const offset = seeded([c], 6) as tf.Tensor1D;
      const running = { mean: seeded([c], 8) as tf.Tensor1D, variance: tf.add(seeded([c], 9), 1) as tf.Tensor1D, momentum: 0.1 };
      const { y, mean, invStd, running: updated } = batchNormTrain(x, scale, offset, 1e-3, running);
      const dyWeights = seeded(shape, 7);
      const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, 1e-3, running).y, dyWeights)))([x, scale, offset]);
      return [y, mean, invStd, updated!.mean, updated!.variance, ...grads];
    });
    assertClose(torch, cpu, 1e-5, 'batch norm');
  });
}

test('DresnetBatchNormTrain on torch of x = 1000 + noise: mean, invStd and y match float64 (the row kernels sum x - x[0]), the same on 1 and 2 threads', { skip: SKIP }, async () => {
  const c = 5;
  const shape = [64, 16, 16, c];
  const values = Float32Array.from(seeded(shape, 11).dataSync(), (v, i) => 1000 + v * (1 + (i % c)));
  const rows = values.length / c;
  const mu = Array.from({ length: c }, (_, k) => values.reduce((sum, v, i) => (i % c === k ? sum + v : sum), 0) / rows);
  const variance = mu.map((m, k) => values.reduce((sum, v, i) => (i % c === k ? sum + (v - m) ** 2 : sum), 0) / rows);
  const inv = variance.map((v) => 1 / Math.sqrt(v + 1e-3));
  const normalize = async (threads: number) => {
    await selectBackend({ backend: 'torch', device: 'cpu', threads });
    return tf.tidy(() => {
      const { y, mean, invStd } = batchNormTrain(tf.tensor(values, shape), tf.ones([c]) as tf.Tensor1D, tf.zeros([c]) as tf.Tensor1D, 1e-3);
      return [y, mean, invStd].map((t) => Array.from(t.dataSync()));
    });
  };
  const out = await normalize(2);
  // Rows are summed in fixed chunks whatever the thread count.
  assert.deepEqual(await normalize(1), out);
  for (let k = 0; k < c; k++) {
    assert.ok(Math.abs(out[1][k] - mu[k]) < 1e-4, `mean ${k}: ${out[1][k]} vs ${mu[k]}`);
    assert.ok(Math.abs(out[2][k] / inv[k] - 1) < 1e-5, `invStd ${k}: ${out[2][k]} vs ${inv[k]}`);
  }
  for (let i = 0; i < values.length; i += 97) {
    const expected = (values[i] - mu[i % c]) * inv[i % c];
    assert.ok(Math.abs(out[0][i] - expected) < 1e-3, `y[${i}]: ${out[0][i]} vs ${expected}`);
  }
});

// The native update is one parallel loop over all variables' elements laid
// end to end (native/src/ops/optimizer.cc): variables above ATen's grain
// (32768 elements) beside small ones, so that chunks start and end inside
// variables and cross from one to the next, and filters re-laid out by a
// convolution beside contiguous tensors.
test('DresnetMomentumUpdate native = generic over variables split across threads and re-laid-out filters, the same on 1 and 2 threads', { skip: SKIP }, async () => {
  const shapes = [[3, 3, 96, 96], [7], [50001], [1, 1, 24, 768], []];
  const f = () => {
    const [values, accumulations, gradients] = [0, 1, 2].map((k) => shapes.map((shape, i) => seeded(shape, 60 + 5 * k + i)));
    // On torch a filter's first convolution (over more than 256 output
    // pixels) re-lays out its storage as ATen's weight: the update then reads
    // the value through its strides.
    for (const v of values) if (v.rank === 4) tf.conv2d(tf.ones([1, 24, 24, v.shape[2] as number]) as tf.Tensor4D, v as tf.Tensor4D, 1, 'valid').dataSync();
    const next = momentumUpdate(values, accumulations, gradients, { learningRate: 0.1, momentum: 0.9, useNesterov: true, weightDecay: 0.05, decayed: [0, 2, 4] });
    return [...next.values, ...next.accumulations];
  };
  const { cpu, torch } = await onBoth(f);
  assertClose(torch, cpu, 1e-6, 'momentum update');
  for (const threads of [1, 2]) {
    await selectBackend({ backend: 'torch', device: 'cpu', threads });
    const again = tf.tidy(f);
    again.forEach((t, k) => assert.deepEqual(Array.from(t.dataSync()), Array.from(torch[k]), `${threads} threads, output ${k}`));
    tf.dispose(again);
  }
});

for (const useNesterov of [false, true]) {
  test(`DresnetMomentumUpdate native = generic, weight decay on some variables${useNesterov ? ', Nesterov' : ''}`, { skip: SKIP }, async () => {
    const shapes = [[3, 3, 4, 8], [8], [5, 7], []];
    const { cpu, torch } = await onBoth(() => {
      const [values, accumulations, gradients] = [0, 1, 2].map((k) => shapes.map((shape, i) => seeded(shape, 30 + 4 * k + i)));
      const next = momentumUpdate(values, accumulations, gradients, { learningRate: 0.1, momentum: 0.9, useNesterov, weightDecay: 0.05, decayed: [0, 2] });
      return [...next.values, ...next.accumulations];
    });
    assertClose(torch, cpu, 1e-6, 'momentum update');
  });

  test(`FusedMomentumOptimizer on torch (one DresnetMomentumUpdate a step) = tfjs's MomentumOptimizer${useNesterov ? ', Nesterov' : ''}`, { skip: SKIP }, async () => {
    await useTorch();
    const shapes = [[3, 3, 4, 8], [8], [5, 7], []];
    const run = async (optimizer: tf.Optimizer) => {
      const variables = shapes.map((shape, i) => tf.variable(seeded(shape, 10 + i)));
      const kernels: string[][] = [];
      for (let step = 0; step < 3; step++) {
        const grads = Object.fromEntries(variables.map((v, i) => [v.name, seeded(v.shape, 20 + 4 * step + i)]));
        kernels.push((await tf.profile(() => optimizer.applyGradients(grads))).kernels.map((k) => k.name));
        tf.dispose(Object.values(grads));
      }
      const slots = (optimizer as unknown as { accumulations: Array<{ variable: tf.Variable }> }).accumulations.map((a) => a.variable.dataSync());
      const values = [...variables.map((v) => v.dataSync()), ...slots];
      tf.dispose(variables);
      optimizer.dispose();
      return { values, kernels };
    };
    const fused = await run(new FusedMomentumOptimizer(0.1, 0.9, useNesterov));
    const tfjs = await run(tf.train.momentum(0.1, 0.9, useNesterov));
    assertClose(fused.values, tfjs.values, 1e-6, 'momentum');
    // The first step also creates the zero slots.
    assert.deepEqual(fused.kernels.slice(1), [['DresnetMomentumUpdate'], ['DresnetMomentumUpdate']]);
    assert.ok(tfjs.kernels[1].length >= 4 * shapes.length, tfjs.kernels[1].join(' '));
  });
}

// native/src/pool_rows.cc against tfjs's cpu kernels, on 3x3/2 'same'
// (padding after only), the stem pools' explicit padding, 2x2/1 and 2x2/3 'valid'. Values are small
// integers, so windows tie (the gradient must go to the first max, row by row)
// and sums of dy are exact; some are NaN (skipped) and one window is all NaN.
test('max pool and its gradient on torch (the row kernels) equal tfjs\'s cpu kernels: ties, NaNs, asymmetric padding', { skip: SKIP }, async () => {
  const [n, h, w, c] = [3, 9, 9, 5];
  const values = Float32Array.from({ length: n * h * w * c }, (_, i) => (i % 7 === 3 ? NaN : (i * 37) % 5));
  for (let k = 0; k < c; k++) for (const [r, col] of [[0, 0], [0, 1], [1, 0], [1, 1]]) values[((r * w) + col) * c + k] = NaN;
  // The stem pools' explicit padding (PaddedMaxPool2D: 1 before, 2 after), and a stride past the window (rows no window reads).
  const stem: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [1, 2], [0, 0]];
  for (const [size, stride, pad] of [[3, 2, 'same'], [2, 1, 'valid'], [3, 2, stem], [2, 3, 'valid']] as const) {
    const { cpu, torch } = await onBoth(() => {
      const x = tf.tensor4d(values, [n, h, w, c]);
      const dyWeights = tf.tensor1d(Array.from({ length: c }, (_, k) => k + 1));
      const pool = (a: tf.Tensor4D) => tf.maxPool(a, size, stride, pad);
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D), dyWeights)))(x);
      return [pool(x), grad];
    });
    assert.deepEqual(Array.from(torch[0]), Array.from(cpu[0]), `${size}x${size}/${stride} ${pad} forward`);
    assert.deepEqual(Array.from(torch[1]), Array.from(cpu[1]), `${size}x${size}/${stride} ${pad} gradient`);
  }
});

// native/src/ops/convolution.cc runs a convolution over few output pixels as a matrix
// product of its patches (convGemm). The large convolution in the middle
// sends each filter down the other path, which re-lays it out in place, so
// the product reads it in both layouts.
test('convolutions over few pixels (a GEMM) equal tfjs\'s cpu kernels: 1x1 and 3x3, strides 1 and 2, asymmetric padding, dilation, fused bias and relu, before and after the filter is re-laid out', { skip: SKIP }, async () => {
  const { cpu, torch } = await onBoth(() => {
    const x = seeded([1, 6, 6, 32], 11) as tf.Tensor4D;
    const big = seeded([4, 16, 16, 32], 12) as tf.Tensor4D;
    const pointwise = seeded([1, 1, 32, 48], 13) as tf.Tensor4D;
    const spatial = seeded([3, 3, 32, 24], 15) as tf.Tensor4D;
    const bias = seeded([48], 14) as tf.Tensor1D;
    const small = () => [
      tf.conv2d(x, pointwise, 1, 'same'),
      tf.conv2d(x, pointwise, 2, 'same'),
      tf.fused.conv2d({ x, filter: pointwise, bias, activation: 'relu', strides: 2, pad: 'valid' }),
      tf.conv2d(x, spatial, 1, 'same'),
      tf.conv2d(x, spatial, 2, 'same'), // tfjs pads 0 above, 1 below
      tf.conv2d(x, spatial, 1, 'valid', 'NHWC', 2),
    ];
    const before = small();
    return [...before, tf.conv2d(big, pointwise, 1, 'same'), tf.conv2d(big, spatial, 1, 'same'), ...small()];
  });
  assertClose(torch, cpu, 1e-5, 'convolutions over few pixels');
});

// native/src/ops/convolution.cc runs small float products (an SE block's
// dense layers and their gradients) in the grouped 1x1 tiles, x^T y as a Gram
// of rows; larger or batched ones in ATen's GEMM.
test('matrix products on torch equal tfjs\'s cpu kernels: small ones (the tiles) in every transposition, with bias and relu, an empty one, batched and large ones (ATen)', { skip: SKIP }, async () => {
  const { cpu, torch } = await onBoth(() => {
    const a = seeded([32, 384], 21) as tf.Tensor2D;
    const w = seeded([384, 24], 22) as tf.Tensor2D;
    const g = seeded([32, 24], 23) as tf.Tensor2D;
    const bias = seeded([24], 24) as tf.Tensor1D;
    const batched = seeded([3, 5, 7], 25) as tf.Tensor3D;
    const big = seeded([160, 256], 26) as tf.Tensor2D;
    return [
      tf.matMul(a, w),
      tf.matMul(g, w, false, true),
      tf.matMul(a, g, true, false),
      tf.matMul(tf.transpose(a), tf.transpose(w), true, true),
      tf.matMul(tf.reshape(a, [1, 32, 384]), tf.reshape(w, [1, 384, 24])),
      tf.fused.matMul({ a, b: w, bias, activation: 'relu' }),
      tf.matMul(tf.zeros([0, 384]), w),
      tf.matMul(batched, batched, false, true),
      tf.matMul(big, tf.transpose(big)),
    ];
  });
  assertClose(torch, cpu, 1e-5, 'matrix products');
});

test('a filter re-laid out by its first convolution stays the same tensor: values, later convolutions, other ops', { skip: SKIP }, async () => {
  const { cpu, torch } = await onBoth(() => {
    const x = seeded([2, 6, 6, 4], 40);
    const filter = seeded([3, 3, 4, 5], 41);
    const first = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
    // After the first use: the same results, and ops that read the filter directly see the same values.
    const second = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
    return [first, second, tf.clone(filter), tf.add(filter, 1), tf.slice(filter, [1, 0, 2, 1], [2, 3, 2, 3]), tf.reshape(filter, [9, 20]), tf.transpose(filter)];
  });
  assertClose(torch, cpu, 1e-6, 'filter after a convolution');
  assert.deepEqual(torch[0], torch[1]);
});

test('no leaks: tensor count and ATen bytes are flat across 50 training steps', { skip: SKIP }, async () => {
  const backend = await useTorch();
  const model = createModel('dresnet', { numClasses: 4, inputSize: 32, width: 0.25 });
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = seeded([4, 32, 32, 3], 8);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
  const step = () => {
    const loss = optimizer.minimize(() => {
      const probs = model.apply(x, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(probs, 1e-7))), 1))) as tf.Scalar;
    }, true);
    const value = loss?.dataSync()[0];
    if (loss) loss.dispose();
    return value;
  };
  const samples: Array<{ tensors: number; dataIds: number; aten: number; handles: number }> = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let i = 0; i < 50; i++) {
    const loss = step() as number;
    if (i === 0) firstLoss = loss;
    lastLoss = loss;
    // Step 1 creates the optimizer's momentum slots; count from step 2 on.
    if (i >= 1) {
      const mem = backend.memory();
      samples.push({ tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), aten: mem.numBytesInATen, handles: mem.numATenTensors });
    }
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  assert.deepEqual(last, first, `memory drifted over 49 steps: ${JSON.stringify(first)} -> ${JSON.stringify(last)}`);
  assert.ok(samples.every((s) => s.aten === first.aten), 'ATen bytes changed between steps');
  assert.ok(lastLoss < firstLoss, `training did not lower the loss (${firstLoss} -> ${lastLoss})`);
  const info = describeBackend();
  assert.equal(info.name, 'torch');
  assert.match(info.libtorchVersion ?? '', /^\d+\.\d+/);
});

test('--backend tensorflow without @tensorflow/tfjs-node fails with a UserError that says how to get it', async () => {
  await assert.rejects(
    selectBackend({ backend: 'tensorflow', device: 'cpu', threads: 0 }),
    (err: Error) => err.name === 'UserError' && /npm install @tensorflow\/tfjs-node@4\.22\.0/.test(err.message),
  );
});
