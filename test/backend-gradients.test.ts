// For every zoo model, one training step (forward, focal loss on the logits,
// gradients) from the same weights and batch, on tfjs's pure-JS `cpu` backend
// and on `torch`, checked against the torch backend's float64 reference mode
// (tfjs float32 tensors computed in ATen double) as the truth.
//
// What float32 can and cannot promise. The forward pass is a continuous
// function of the weights and input, so float32 rounding moves the loss by
// ~1e-7..1e-5 on both backends (2e-5 on resnet50). The gradient is not continuous:
// ReLU/ReLU6 masks (and max-pool argmaxes) switch where a pre-activation
// crosses 0 (or 6). A 16-sample batch at 32 px has millions of
// pre-activations; a few lie within a float32 forward error (~1e-5) of 0, and
// when rounding puts one on the other side, that one unit's gradient switches
// between g and 0. At a 2x2 stage with batch 16 that moves its batch norm's
// gradients by up to 1e-2, and everything upstream with it. Which computation
// flips is a lottery of summation orders: measured against float64 at width
// 0.25, batch 16, tfjs's cpu backend itself is 9.3e-3 off on resnet50, torch
// float32 with 1 thread is 7.2e-3 off on dresnet, with 2 threads 4.4e-3 on
// mobilenet_v2; the others agree to ~1e-5. So no float32 implementation,
// tfjs's own included, can promise whole-step gradients within 1e-4 of
// another; the former "10x a perturbation noise floor" bound only sampled
// that lottery.
//
// The test therefore compares gradients on the same forward pass, where
// masks cannot differ, and asserts, for every model:
//  (i)   forward: cpu and torch float32 losses within 1e-4 of each other and
//        of float64 (the logits' errors are printed, not asserted: resnet50's
//        forward at initialisation is ill-conditioned enough that even tfjs's
//        cpu backend, which accumulates in JS doubles, has logits 7e-5 from
//        float64, torch float32 1e-4, while their losses are 2e-5 off);
//  (ii)  backward kernels: the float64 forward followed by a backward on tfjs's
//        cpu kernels (tfjs moves the saved tensors over) gives gradients
//        within 1e-4 of torch's float64 backward: torch's gradient kernels
//        compute what tfjs's do;
//  (iii) float32 precision: torch's float32 step's gradients are within 1e-4
//        of the same float32 forward followed by a float64 backward (the
//        float type switched after the loss): torch's float32 backward loses
//        less than 1e-4.
// Gradient errors are ||a - b|| / ||b|| over all gradients as one vector and
// per tensor (relative to its own norm, floored at 1e-3 of the largest
// gradient norm: a batch-norm offset that feeds another batch norm has an
// exactly-zero gradient, where any computation returns rounding noise). The
// whole-step float32 gradient errors, flips included, are printed for
// information as '# ...' lines, with everything else: against float64, the
// issue's literal cpu-vs-torch comparison, and torch against itself with 1
// and 2 threads (the same kernels, only ATen's split of the sums differs),
// which shows the same order of gaps as cpu vs torch.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createModel, listModels, logitsModel } from '../src/models';
import { focalLoss } from '../src/train/losses';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const TOLERANCE = 1e-4;
// Narrow models keep the pure-JS cpu reference fast. With 16 samples a
// channel of the 1x1 last stages that ReLU zeroes for every sample (whose
// batch norm would see a constant) is rare.
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
 * gives every step the same dropout mask.
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
  logits: Float32Array;
  grads: Float32Array[];
}

/**
 * Where a step's forward and backward run: cpu, torch (float32) or torch64
 * (the float64 reference mode). A backward different from the forward starts
 * once the loss is computed: torch64 switches the float type (the saved
 * float32 activations become doubles, exactly), cpu switches tfjs's backend
 * (the gradient functions then run cpu kernels, and tfjs moves the saved
 * torch tensors over as float32 on first use).
 */
type Where = 'cpu' | 'torch' | 'torch64';

/** One step from the given weights; reads everything back and frees it. */
async function trainingStep(
  model: ReturnType<typeof createModel>,
  weights: Array<{ shape: number[]; values: Float32Array }>,
  forward: Where,
  backward: Where = forward,
  threads = 2,
): Promise<StepOutput> {
  await selectBackend({ backend: forward === 'cpu' ? 'cpu' : 'torch', device: 'cpu', threads, torchFloat64: forward === 'torch64' });
  const fresh = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(fresh);
  tf.dispose(fresh);
  const x = tf.tensor4d(seededValues(BATCH * INPUT * INPUT * 3, 7), [BATCH, INPUT, INPUT, 3]);
  const y = tf.tensor1d(LABELS, 'int32');
  const net = logitsModel(model);
  let logits: tf.Tensor | undefined;
  const loss = () => {
    logits = tf.keep(net.apply(x, { training: true }) as tf.Tensor2D);
    const value = focalLoss(logits as tf.Tensor2D, y, { gamma: 2 });
    if (backward === forward) return value;
    if (backward === 'torch64') {
      (tf.backend() as TorchBackend).binding.setFloatType('float64');
    } else {
      // setBackend of an initialised backend switches before its first await.
      void tf.setBackend(backward);
      assert.equal(tf.getBackend(), backward);
    }
    return value;
  };
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = withSeededRandom(() => tf.variableGrads(loss, variables));
  const out: StepOutput = {
    loss: value.dataSync()[0],
    logits: logits!.dataSync() as Float32Array,
    grads: variables.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads), x, y, logits!]);
  return out;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const fmt = (e: number) => e.toExponential(1);

for (const name of listModels()) {
  test(`${name}: one training step on cpu and torch agrees with torch float64 (loss; gradients on the same forward) within ${TOLERANCE}`, { skip: SKIP }, async () => {
    await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
    const model = withSeededRandom(() => createModel(name, { numClasses: CLASSES, inputSize: INPUT, width: WIDTH }));
    const weights = model.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
    const names = model.trainableWeights.map((w) => w.name);
    try {
      const truth = await trainingStep(model, weights, 'torch64');
      const cpu = await trainingStep(model, weights, 'cpu');
      const torch = await trainingStep(model, weights, 'torch');
      const torchOneThread = await trainingStep(model, weights, 'torch', 'torch', 1);
      const torchExactBackward = await trainingStep(model, weights, 'torch', 'torch64');
      const cpuBackward = await trainingStep(model, weights, 'torch64', 'cpu');

      // All gradients as one vector, and the worst tensor.
      const floor = 1e-3 * Math.max(...truth.grads.map(norm));
      const gradError = (a: StepOutput, b: StepOutput) => {
        const total = Math.sqrt(a.grads.reduce((sum, g, i) => sum + diffNorm(g, b.grads[i]) ** 2, 0)) /
          Math.sqrt(b.grads.reduce((sum, g) => sum + norm(g) ** 2, 0));
        const each = a.grads.map((g, i) => diffNorm(g, b.grads[i]) / Math.max(norm(b.grads[i]), floor));
        const worst = each.reduce((m, e, i) => (e > each[m] ? i : m), 0);
        return { total, worst: each[worst], worstName: names[worst] };
      };
      const logitsError = (a: StepOutput) => diffNorm(a.logits, truth.logits) / norm(truth.logits);
      const loss = {
        cpuTorch: relative(torch.loss, cpu.loss),
        cpu: relative(cpu.loss, truth.loss),
        torch: relative(torch.loss, truth.loss),
      };
      const logits = { cpu: logitsError(cpu), torch: logitsError(torch) };
      const kernels = gradError(cpuBackward, truth);
      const precision = gradError(torch, torchExactBackward);
      const wholeStep = gradError(torch, truth);
      const literal = gradError(torch, cpu);
      const threadSplit = gradError(torchOneThread, torch);
      console.log(`# ${name}: loss rel err cpu-torch ${fmt(loss.cpuTorch)}, vs float64: cpu ${fmt(loss.cpu)} torch ${fmt(loss.torch)}; ` +
        `logits vs float64: cpu ${fmt(logits.cpu)} torch ${fmt(logits.torch)}; ` +
        `gradients on the float64 forward, cpu vs torch backward ${fmt(kernels.total)} (worst ${fmt(kernels.worst)} ${kernels.worstName}); ` +
        `torch float32 backward vs float64 backward ${fmt(precision.total)} (worst ${fmt(precision.worst)} ${precision.worstName}); ` +
        `whole float32 step vs float64, flips included: ${fmt(wholeStep.total)} (worst ${fmt(wholeStep.worst)} ${wholeStep.worstName}); ` +
        `whole float32 steps, torch vs cpu: ${fmt(literal.total)} (worst ${fmt(literal.worst)}), ` +
        `torch 1 vs 2 threads (same kernels, another summation split): ${fmt(threadSplit.total)} (worst ${fmt(threadSplit.worst)}); ${names.length} gradients`);

      assert.ok(loss.cpuTorch < TOLERANCE, `loss: torch ${torch.loss} vs cpu ${cpu.loss}`);
      assert.ok(loss.cpu < TOLERANCE, `loss: cpu ${cpu.loss} vs float64 ${truth.loss}`);
      assert.ok(loss.torch < TOLERANCE, `loss: torch ${torch.loss} vs float64 ${truth.loss}`);
      for (const [what, e] of [['cpu vs torch backward on the float64 forward', kernels], ['torch float32 vs float64 backward', precision]] as const) {
        assert.ok(e.total < TOLERANCE, `${what}: all gradients, relative error ${e.total}`);
        assert.ok(e.worst < TOLERANCE, `${what}: gradient of ${e.worstName}, relative error ${e.worst}`);
      }
      // Degenerate-agreement guard: the gradients must not all be zero.
      assert.ok(truth.grads.some((g) => g.some((v) => v !== 0)), 'all gradients are zero');
    } finally {
      await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
      model.dispose?.();
    }
  });
}
