// Recorded plans (native/src/plan.h, src/backend/compiled.ts): a folded
// model's batch-1 inference recorded once and replayed in one native call
// gives the eager logits bit for bit for every zoo model; a replay reads the
// variables' current values; nothing leaks; a value drawn per call through
// drawPerCall is an input drawn anew per replay; passes that cannot be
// replayed stay eager and say why; the buffered replay that CUDA graphs
// capture on a GPU gives the same bits on the CPU.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CompiledPass, selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createModel, fuseBatchNorms, listModels, logitsModel } from '../src/models';
import { BATCH_NORM_TRAIN_GRAD, drawPerCall, RELU_GRAD } from '../src/ops';
import { withSeededMathRandom } from '../src/util/rng';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const SIZE = 64;

async function useTorch(): Promise<TorchBackend> {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  return tf.backend() as TorchBackend;
}

/**
 * The folded model of a zoo network whose kernels are perturbed first: some
 * families start with a zero classifier (uniform outputs, equal whatever ran),
 * and this way every logit depends on every layer.
 */
function foldedModel(name: string): LayersModel {
  const built = createModel(name, { numClasses: 7, inputSize: SIZE });
  built.weights.forEach((w, i) => {
    if (w.shape.length < 2) return;
    const v = w.read() as tf.Variable;
    const perturbed = tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 100 + i)));
    v.assign(perturbed);
    perturbed.dispose();
  });
  const folded = fuseBatchNorms(built);
  built.dispose();
  return folded;
}

/** The logits: probabilities saturate and would hide small differences. */
function predictPass(model: LayersModel): CompiledPass {
  return new CompiledPass(([x]) => [logitsModel(model).predict(x) as tf.Tensor]);
}

function runOnce(pass: CompiledPass, x: tf.Tensor): Float32Array {
  const [y] = pass.run([x]);
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}

function eager(model: LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (logitsModel(model).predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** Bit for bit: the same float32 values, -0 and NaN included. */
function assertBitwise(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  assert.deepEqual(new Uint32Array(actual.buffer, actual.byteOffset, actual.length),
    new Uint32Array(expected.buffer, expected.byteOffset, expected.length), what);
}

/** A folded zoo model's trusted inference pass and an input, freed after `body`. */
async function withTrustedPass(name: string, seed: number, body: (model: LayersModel, pass: CompiledPass, x: tf.Tensor) => void): Promise<void> {
  const model = foldedModel(name);
  const pass = predictPass(model);
  const x = tf.randomNormal([1, SIZE, SIZE, 3], 0, 1, 'float32', seed);
  try {
    trusted(pass, x);
    body(model, pass, x);
  } finally {
    pass.dispose();
    model.dispose();
    x.dispose();
  }
}

/** Records twice (the first two calls), then replays. */
function trusted(pass: CompiledPass, x: tf.Tensor): void {
  runOnce(pass, x);
  runOnce(pass, x);
  assert.equal(pass.status([x]).mode, 'replaying', JSON.stringify(pass.status([x])));
}

test('every zoo model: the replayed folded inference gives the eager logits bit for bit, on a new input too', { skip: SKIP }, async () => {
  await useTorch();
  for (const name of listModels()) {
    const model = foldedModel(name);
    const pass = predictPass(model);
    const [x1, x2] = [tf.randomNormal([1, SIZE, SIZE, 3], 0, 1, 'float32', 1), tf.randomNormal([1, SIZE, SIZE, 3], 0, 1, 'float32', 2)];
    try {
      trusted(pass, x1);
      assertBitwise(runOnce(pass, x1), eager(model, x1), `${name}, the recorded input`);
      assertBitwise(runOnce(pass, x2), eager(model, x2), `${name}, another input`);
    } finally {
      pass.dispose();
      model.dispose();
      tf.dispose([x1, x2]);
    }
  }
});

test('a replay reads the variables as they are now: an assign after recording is seen', { skip: SKIP }, async () => {
  await useTorch();
  await withTrustedPass('mobilenet_v2', 3, (model, pass, x) => {
    const before = runOnce(pass, x);
    const classifier = model.weights.filter((w) => w.shape.length === 2).pop()!.read() as tf.Variable;
    const values = tf.randomNormal(classifier.shape, 0, 1, 'float32', 9);
    classifier.assign(values);
    values.dispose();
    const after = runOnce(pass, x);
    assert.equal(pass.status([x]).mode, 'replaying');
    assertBitwise(after, eager(model, x), 'the replay after the assign against eager');
    assert.notDeepEqual(Array.from(after), Array.from(before));
  });
});

test('50 replays leak no tensors, handles or bytes', { skip: SKIP }, async () => {
  const backend = await useTorch();
  await withTrustedPass('shufflenet_v2', 4, (_model, pass, x) => {
    runOnce(pass, x);
    const start = { tensors: tf.memory().numTensors, ...backend.memory() };
    for (let i = 0; i < 50; i++) runOnce(pass, x);
    assert.deepEqual({ tensors: tf.memory().numTensors, ...backend.memory() }, start);
  });
});

test('replayed through its own buffers (runtime.cudaGraphs; on the CPU without a capture): the same bits, new inputs read, nothing leaks', { skip: SKIP }, async () => {
  const backend = await useTorch();
  backend.cudaGraphs = true;
  try {
    await withTrustedPass('dresnet', 11, (model, pass, x) => {
      assertBitwise(runOnce(pass, x), eager(model, x), 'the recorded input');
      const other = tf.randomNormal(x.shape, 0, 1, 'float32', 12);
      assertBitwise(runOnce(pass, other), eager(model, other), 'another input');
      other.dispose();
      runOnce(pass, x);
      const start = { tensors: tf.memory().numTensors, ...backend.memory() };
      for (let i = 0; i < 50; i++) runOnce(pass, x);
      assert.deepEqual({ tensors: tf.memory().numTensors, ...backend.memory() }, start);
    });
    const recorded = backend.record([], () => [tf.tidy(() => tf.neg(tf.scalar(2)))]);
    tf.dispose(recorded.outputs);
    tf.dispose(backend.replay(recorded.plan!, []).map((info) => tf.engine().makeTensorFromTensorInfo(info, backend)));
    assert.equal(backend.planInfo(recorded.plan!).graph, 'steps');
    backend.disposePlan(recorded.plan!);
  } finally {
    backend.cudaGraphs = false;
  }
});

test('a value drawn per call through drawPerCall is an input of the plan, drawn anew for each replay as eager would draw it', { skip: SKIP }, async () => {
  await useTorch();
  const x = tf.randomNormal([2, 3], 0, 1, 'float32', 8);
  const noisy = (t: tf.Tensor) => tf.tidy(() => tf.add(t, drawPerCall(() => tf.randomUniform(t.shape))));
  const pass = new CompiledPass(([t]) => [noisy(t)]);
  try {
    const outputs = [1, 2, 3, 4].map((seed) => withSeededMathRandom([seed], () => runOnce(pass, x)));
    assert.equal(pass.status([x]).mode, 'replaying', JSON.stringify(pass.status([x])));
    [1, 2, 3, 4].forEach((seed, i) =>
      assertBitwise(outputs[i], withSeededMathRandom([seed], () => tf.tidy(() => noisy(x).dataSync() as Float32Array)), `seed ${seed}`));
    assert.notDeepEqual(Array.from(outputs[2]), Array.from(outputs[3]));
  } finally {
    pass.dispose();
    x.dispose();
  }
});

test('a pass that reads a tensor back mid-pass, or makes JS values per call other than through drawPerCall, stays eager and says why', { skip: SKIP }, async () => {
  await useTorch();
  const x = tf.randomNormal([2, 3], 0, 1, 'float32', 5);
  const reads = new CompiledPass(([t]) => [tf.tidy(() => tf.mul(t, tf.sum(t).dataSync()[0]))]);
  const draws = new CompiledPass(([t]) => [tf.tidy(() => tf.add(t, tf.randomUniform(t.shape)))]);
  try {
    for (let i = 0; i < 3; i++) {
      const [r] = reads.run([x]);
      assert.deepEqual(Array.from(r.dataSync()), Array.from(tf.tidy(() => tf.mul(x, tf.sum(x)).dataSync())));
      r.dispose();
      tf.dispose(draws.run([x]));
    }
    const readMode = reads.status([x]);
    assert.equal(readMode.mode, 'eager');
    assert.match((readMode as { reason: string }).reason, /reads a tensor back to the host/);
    const drawMode = draws.status([x]);
    assert.equal(drawMode.mode, 'eager');
    assert.match((drawMode as { reason: string }).reason, /two recordings of the pass differ/);
  } finally {
    reads.dispose();
    draws.dispose();
    x.dispose();
  }
});

test('an input of another shape gets its own plan; a plan replayed on the wrong shape is refused by name', { skip: SKIP }, async () => {
  const backend = await useTorch();
  const pass = new CompiledPass(([t]) => [tf.tidy(() => tf.relu(tf.mul(t, 2)))]);
  const [a, b] = [tf.randomNormal([2, 3], 0, 1, 'float32', 6), tf.randomNormal([4, 3], 0, 1, 'float32', 7)];
  try {
    trusted(pass, a);
    const [y] = pass.run([b]);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(tf.tidy(() => tf.relu(tf.mul(b, 2)).dataSync())));
    y.dispose();
    assert.equal(pass.status([b]).mode, 'recording');
    assert.equal(pass.status([a]).mode, 'replaying');
    const recorded = backend.record([a], () => [tf.tidy(() => tf.neg(a))]);
    tf.dispose(recorded.outputs);
    assert.ok(recorded.plan !== undefined);
    assert.throws(() => backend.replay(recorded.plan!, [b]), /input 0 was recorded as \[2,3\] float32, replayed with \[4,3\] float32/);
    backend.disposePlan(recorded.plan!);
  } finally {
    pass.dispose();
    tf.dispose([a, b]);
  }
});

test('on a backend without plans the pass runs eagerly and says so', async () => {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 0 });
  const pass = new CompiledPass(([t]) => [tf.neg(t)]);
  const x = tf.tensor1d([1, -2]);
  const [y] = pass.run([x]);
  assert.deepEqual(Array.from(y.dataSync()), [-1, 2]);
  assert.deepEqual(pass.status([x]), { mode: 'eager', reason: 'the cpu backend records no plans' });
  tf.dispose([x, y]);
});

/** Records `fn` on `inputs`, replays it, and returns the replay's values and the plan's step count. */
function recordAndReplay(backend: TorchBackend, inputs: tf.Tensor[], fn: () => tf.Tensor[]): { values: Float32Array[]; steps: number } {
  const recorded = backend.record(inputs, fn);
  tf.dispose(recorded.outputs);
  assert.ok(recorded.plan !== undefined, recorded.reason);
  const replayed = backend.replay(recorded.plan, inputs).map((info) => tf.engine().makeTensorFromTensorInfo(info, backend));
  const values = replayed.map((t) => t.dataSync() as Float32Array);
  const { steps } = backend.planInfo(recorded.plan);
  tf.dispose(replayed);
  backend.disposePlan(recorded.plan);
  return { values, steps };
}

/**
 * `pass` recorded and replayed fused and then unfused (DRESNET_PLAN_FUSION=0),
 * both asserted bit for bit against eager: eager's values and the steps fusion saved.
 */
function fusedAgainstEager(backend: TorchBackend, inputs: tf.Tensor[], pass: () => tf.Tensor[]): { eagerValues: Float32Array[]; saved: number } {
  const eagerValues = tf.tidy(() => pass().map((t) => t.dataSync() as Float32Array));
  const fused = recordAndReplay(backend, inputs, pass);
  let unfused: { values: Float32Array[]; steps: number };
  process.env.DRESNET_PLAN_FUSION = '0';
  try {
    unfused = recordAndReplay(backend, inputs, pass);
  } finally {
    delete process.env.DRESNET_PLAN_FUSION;
  }
  eagerValues.forEach((expected, i) => {
    assertBitwise(fused.values[i], expected, `output ${i}, fused`);
    assertBitwise(unfused.values[i], expected, `output ${i}, unfused`);
  });
  return { eagerValues, saved: unfused.steps - fused.steps };
}

test('fused steps (native/src/plan_fusion.h) give the unfused bits: a channel scale, shortcut sum and ReLU in one step, a tile read as a broadcast', { skip: SKIP }, async () => {
  const backend = await useTorch();
  // Values at the edges of relu(x + r * s): negative zeros, NaNs, infinities, sums that cancel.
  const edge = [-0, 0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -1, 1];
  const pick = (seed: number, n: number) => Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? edge[(i * 7 + seed) % edge.length] : Math.sin(i * seed) * 4));
  const [rValues, xValues, sValues] = [pick(1, 2 * 3 * 5 * 16), pick(2, 2 * 3 * 5 * 16), pick(3, 2 * 16)];
  // -0 + 0 * -1 = -0, kept by ReLU; a NaN product.
  [xValues[0], rValues[0], sValues[0], rValues[1]] = [-0, 0, -1, NaN];
  const r = tf.tensor4d(rValues, [2, 3, 5, 16]);
  const x = tf.tensor4d(xValues, [2, 3, 5, 16]);
  const s = tf.tensor4d(sValues, [2, 1, 1, 16]);
  const shared = tf.tensor4d(pick(4, 16), [1, 1, 1, 16]);
  const v = tf.tensor4d(pick(5, 2 * 16), [2, 1, 1, 16]);
  const inputs = [r, x, s, shared, v];
  const pass = () => [
    tf.relu(tf.add(x, tf.mul(r, s))),
    tf.relu(tf.add(x, tf.mul(r, shared))),
    tf.add(x, tf.tile(v, [1, 3, 5, 1])),
    // Not fused: the scale spans every pixel, so no channel scale.
    tf.relu(tf.add(x, tf.mul(r, x))),
  ];
  try {
    const { eagerValues, saved } = fusedAgainstEager(backend, inputs, pass);
    assert.ok(eagerValues[0].some(Number.isNaN) && eagerValues[0].some((y) => Object.is(y, -0)), 'the edges reach the output');
    // 3 Multiply/Add/Relu chains, a Tile and an Add: two chains become one step each, the tile goes.
    assert.equal(saved, 2 * 2 + 1);
  } finally {
    tf.dispose(inputs);
  }
});

test('fused gradient steps (native/src/plan_fusion.h) give the unfused bits: a gradient summed over readers then through a ReLU, a per-image term added into a batch-norm gradient, a pool gradient through the ReLU before it, ReLUs written into their concatenation', { skip: SKIP }, async () => {
  const backend = await useTorch();
  const edge = [-0, 0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, -1, 1];
  const pick = (seed: number, n: number) => Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? edge[(i * 7 + seed) % edge.length] : Math.sin(i * seed) * 4));
  const shape: [number, number, number, number] = [2, 6, 7, 16];
  const size = shape.reduce((a, b) => a * b);
  const [t0, t1, t2, y] = [1, 2, 3, 4].map((seed) => tf.tensor4d(pick(seed, size), shape));
  // An activation's -0 and NaN, under a finite gradient: ReluGrad gives 0 and the gradient.
  const yValues = pick(4, size);
  [yValues[1], yValues[2]] = [-0, NaN];
  const act = tf.tensor4d(yValues, shape);
  // Finite, for the batch-norm gradient, whose sums a NaN would spread over a whole channel.
  const smooth = (seed: number, n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed + 1) * 3);
  const [dy, x] = [5, 6].map((seed) => tf.tensor4d(smooth(seed, size), shape));
  const perImage = tf.tensor4d(smooth(7, 2 * 16), [2, 1, 1, 16]);
  const [scale, mean] = [8, 9].map((seed) => tf.tensor1d(smooth(seed, 16)));
  const invStd = tf.tensor1d(Float32Array.from({ length: 16 }, (_, i) => 0.5 + i / 8));
  const pooledShape: [number, number, number, number] = [2, 3, 4, 16];
  const poolDy = tf.tensor4d(pick(10, pooledShape.reduce((a, b) => a * b)), pooledShape);
  const inputs = [t0, t1, t2, y, act, dy, x, perImage, scale, mean, invStd, poolDy];
  const run = (kernel: string, ins: tf.NamedTensorMap, attrs = {}) => tf.engine().runKernel(kernel, ins, attrs) as tf.Tensor | tf.Tensor[];
  const reluGrad = (g: tf.Tensor, a: tf.Tensor) => run(RELU_GRAD, { dy: g, x: a }) as tf.Tensor;
  const pool = { filterSize: [3, 3], strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] };
  const pass = () => {
    const relued = tf.relu(y);
    const pooled = tf.maxPool(relued, 3, 2, pool.pad as tf.backend_util.ExplicitPadding);
    return [
      reluGrad(tf.add(tf.add(t0, t1), t2), act),
      reluGrad(tf.add(t0, t1), y),
      ...(run(BATCH_NORM_TRAIN_GRAD, { dy: tf.add(dy, perImage), x, scale, mean, invStd }, { epsilon: 1e-3 }) as tf.Tensor[]),
      reluGrad(run('MaxPoolGrad', { dy: poolDy, input: relued, output: pooled }, pool) as tf.Tensor, relued),
      // Not fused: the sum is read twice.
      ...(() => { const sum = tf.add(t0, t2); return [reluGrad(sum, act), sum]; })(),
      // Two paths' ReLUs into their concatenation, one of them read again by its gradient (then a view of it).
      tf.concat([tf.relu(t0), tf.relu(act)], 3),
      ...(() => { const path = tf.relu(t1); return [tf.concat([path, tf.relu(t2), tf.relu(y)], 3), reluGrad(t0, path)]; })(),
    ];
  };
  try {
    const { eagerValues, saved } = fusedAgainstEager(backend, inputs, pass);
    assert.ok(eagerValues[0].some(Number.isNaN) && eagerValues[0].some((v) => v === 0) && eagerValues[6].some((v) => v !== 0), 'the edges reach the outputs');
    assert.ok(eagerValues[8].some((v) => Object.is(v, -0)) && eagerValues[8].some(Number.isNaN), 'a -0 and a NaN pass the concatenated ReLUs');
    // Two Adds, one Add, one Add and one MaxPoolGrad fold into the steps after them; two ReLUs, then three less one view, into their Concats.
    assert.equal(saved, 2 + 1 + 1 + 1 + 2 + 2);
  } finally {
    tf.dispose(inputs);
  }
});
