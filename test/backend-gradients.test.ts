// For every zoo model: one training step (forward, focal loss, gradients) from
// the same weights and batch on tfjs's pure-JS `cpu` backend and on `torch`
// gives the same loss and gradients within 1e-4 relative error.
//
// At initialisation, deep batch-normalised networks amplify float32 rounding
// in the backward pass (gradients explode with depth; with some
// initialisations 1e-6 forward differences become ~1e-2 at the stem). That
// floor is measured, not assumed: the same step on torch with the input
// perturbed by a few float32 ulps (relative 1e-6) shows how far rounding alone
// moves the gradients, and the cpu-vs-torch error must stay within 1e-4 or
// within a small multiple of that intrinsic error, whichever is larger. The
// initial weights are seeded so that runs are reproducible.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { createModel, listModels, logitsModel } from '../src/models';
import { focalLoss } from '../src/train/losses';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const TOLERANCE = 1e-4;
// One perturbation estimates the rounding floor only roughly (a single random
// direction), hence the margin.
const NOISE_MULTIPLE = 10;
const PERTURBATION = 1e-6;
// Narrow models keep the pure-JS cpu reference fast. The last stages are 1x1
// spatially, so a batch norm there sees BATCH values per channel; with few,
// a channel that ReLU zeroed for every sample feeds the next batch norm a
// constant, whose centred values are exactly 0 on cpu but rounding-level
// nonzero on ATen, and ReLU then passes gradient on one backend only. 16
// samples make such dead channels rare.
const INPUT = 32;
const BATCH = 16;
const WIDTH = 0.25;
const CLASSES = 4;
const LABELS = Array.from({ length: BATCH }, (_, i) => i % CLASSES);

function seededValues(size: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

function norm(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  return Math.sqrt(sum);
}

function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/**
 * tfjs's initialisers and dropout draw their seeds from Math.random; replaying
 * the same stream makes the initial weights reproducible from run to run and
 * gives both backends the same dropout mask.
 */
function withSeededRandom<T>(f: () => T): T {
  const original = Math.random;
  let state = 12345;
  Math.random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  try {
    return f();
  } finally {
    Math.random = original;
  }
}

interface StepOutput {
  loss: number;
  grads: Float32Array[];
}

/** One step on `backend` from the given weights; reads everything back and frees it. */
async function trainingStep(
  backend: 'cpu' | 'torch',
  model: ReturnType<typeof createModel>,
  weights: Array<{ shape: number[]; values: Float32Array }>,
  perturbation = 0,
): Promise<StepOutput> {
  await selectBackend({ backend, device: 'cpu', threads: 2 });
  const fresh = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(fresh);
  tf.dispose(fresh);
  const size = BATCH * INPUT * INPUT * 3;
  const noise = seededValues(size, 11);
  const values = seededValues(size, 7).map((v, i) => v * (1 + perturbation * noise[i]));
  const x = tf.tensor4d(values, [BATCH, INPUT, INPUT, 3]);
  const y = tf.tensor1d(LABELS, 'int32');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = withSeededRandom(() =>
    tf.variableGrads(() => focalLoss(logitsModel(model).apply(x, { training: true }) as tf.Tensor2D, y, { gamma: 2 }), variables),
  );
  const out = { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

for (const name of listModels()) {
  test(`${name}: one training step agrees on cpu and torch (loss within ${TOLERANCE}, gradients within ${TOLERANCE} or float32 noise)`, { skip: SKIP }, async () => {
    await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
    const model = withSeededRandom(() => createModel(name, { numClasses: CLASSES, inputSize: INPUT, width: WIDTH }));
    const weights = model.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
    const reference = await trainingStep('cpu', model, weights);
    const torch = await trainingStep('torch', model, weights);
    const perturbed = await trainingStep('torch', model, weights, PERTURBATION);
    const lossError = Math.abs(torch.loss - reference.loss) / Math.abs(reference.loss);
    assert.ok(lossError < TOLERANCE, `loss: torch ${torch.loss} vs cpu ${reference.loss}`);
    // All gradients as one vector: ||a - b|| / ||b||.
    const allNorm = Math.sqrt(reference.grads.reduce((sum, g) => sum + norm(g) ** 2, 0));
    const totalError = (a: StepOutput, b: StepOutput) =>
      Math.sqrt(a.grads.reduce((sum, g, i) => sum + diffNorm(g, b.grads[i]) ** 2, 0)) / allNorm;
    const error = totalError(torch, reference);
    const intrinsic = totalError(perturbed, torch);
    const bound = Math.max(TOLERANCE, NOISE_MULTIPLE * intrinsic);
    // Per tensor, relative to its own norm but floored at 1e-3 of the largest
    // gradient norm: a batch-norm offset feeding another batch norm has an
    // exactly-zero gradient, where both backends only return rounding noise.
    const floor = 1e-3 * Math.max(...reference.grads.map(norm));
    const tensorError = (a: StepOutput, b: StepOutput, i: number) =>
      diffNorm(a.grads[i], b.grads[i]) / Math.max(norm(b.grads[i]), floor);
    const errors = torch.grads.map((_, i) => tensorError(torch, reference, i));
    const worst = errors.reduce((m, e, i) => (e > errors[m] ? i : m), 0);
    const worstName = model.trainableWeights[worst].name;
    const worstBound = Math.max(TOLERANCE, NOISE_MULTIPLE * Math.max(...torch.grads.map((_, i) => tensorError(perturbed, torch, i))));
    console.log(`# ${name}: loss rel err ${lossError.toExponential(2)}; all gradients: rel err ${error.toExponential(2)}, ` +
      `torch with input x(1+${PERTURBATION}) ${intrinsic.toExponential(2)}; worst tensor ${errors[worst].toExponential(2)} (${worstName}); ${errors.length} gradients`);
    assert.ok(error < bound, `all gradients: relative error ${error} (bound ${bound})`);
    assert.ok(errors[worst] < worstBound, `gradient of ${worstName}: relative error ${errors[worst]} (bound ${worstBound})`);
    // Degenerate-agreement guard: the gradients must not all be zero.
    assert.ok(reference.grads.some((g) => g.some((v) => v !== 0)), 'all gradients are zero');
    model.dispose?.();
  });
}
