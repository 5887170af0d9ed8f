// For every zoo model, one training step (forward, focal loss on the logits,
// gradients) from the same weights and batch, on tfjs's pure-JS `cpu` backend
// and on `torch`, checked against the torch backend's float64 reference mode
// (tfjs float32 tensors computed in ATen double) as the truth. Each model is
// checked on DRAWS draws of initial weights and batch (DRESNET_GRADIENT_DRAWS,
// default 3), so no bound holds by the luck of one draw.
//
// What float32 can and cannot promise. The forward pass is a continuous
// function of the weights and input, so float32 rounding moves the loss by
// ~1e-7..1e-5 on both backends. The gradient is not continuous: ReLU/ReLU6
// masks switch where a pre-activation crosses 0 (or 6). A 16-sample batch at
// 32 px has ~1e5..1e6 pre-activations; a few lie within the float32 forward
// error of 0 (in one draw, resnet50's last stage had a margin of 6e-6 where
// torch's forward error was 7e-4), and
// when rounding puts one on the other side, that unit's gradient switches
// between g and 0. At a 1x1 stage with batch 16 that moves its batch norm's
// gradients by up to 1e-2, and everything upstream with it. The test counts
// these flips: every model's line says how many of its ReLU masks differ
// between the cpu and torch forwards, and from float64. torch's float32
// convolutions accumulate in float32 (cpu's in JS doubles), so its forward is
// 2-5x further from float64 and it is usually torch that flips. Besides
// flips, resnet50 at initialisation is ill-conditioned enough that torch's
// float32 logits are 4e-5..1e-4 from float64 (cpu's 2e-5), which alone can
// move its gradients by that much.
// So no float32 implementation can promise whole-step gradients within 1e-4
// of another's. Over 12 draws (DRESNET_GRADIENT_DRAWS=12, at the commit that
// made torch's CPU batch-norm sums independent of the thread count) the
// issue's literal cpu-vs-torch comparison held in 58 of 84 (model, draw)
// cases: in all 57 where the two forwards agree on every ReLU mask, and in 1
// with a flip; each of the 26 misses (6e-4..4e-2) had 1 to 4 masks flipped.
// Against float64, torch's forwards flipped 37 masks in all, cpu's 15. (With
// ATen's float-accumulating channels-last batch norm, before our row kernels:
// held in 50, torch flipped 60, and torch against itself with 1 and 2
// threads missed 1e-4 in 42 of the 84; now in none.) With the forward shared
// (ii), cpu's and torch's float32 backwards were at most 1.7e-6 apart over
// all gradients and 5.9e-6 in the worst tensor, in all 84; the losses at most
// 2.5e-5.
//
// The test therefore asserts the literal comparison, and each backend's whole
// step against float64, where the two forwards agree on every mask and each
// forward's logits are within WELL_CONDITIONED of float64's (over the
// 12 draws, cpu's forward agreed with float64's on every mask in 73 of 84
// cases, torch's in 59, and each whole step was then at most 3.7e-5 and
// 7.4e-5 from float64; on a later machine, whose OpenBLAS chose other
// kernels, resnet50's draw 0 missed by 1.2e-4 with every mask agreeing, its
// torch logits 7.3e-5 from float64 and its backward 1.6e-6: the forward's
// conditioning, not the backward, which (ii) and (iii) check),
// prints them with their flip counts everywhere, and asserts, for every model
// and draw:
//  (i)   forward: cpu and torch float32 losses within 1e-4 of each other and
//        of float64 (the logits' errors are printed, not asserted);
//  (ii)  backward kernels: one forward followed by a backward on tfjs's cpu
//        kernels (tfjs moves the saved tensors over) gives gradients within
//        1e-4 of torch's backward from that forward, once with the float64
//        forward and backward, once with torch's float32 forward and both
//        backwards in float32: the same training step, with the forward (and
//        so every mask) shared, agrees on cpu and torch in float32;
//  (iii) float32 precision: torch's float32 step's gradients are within 1e-4
//        of the same float32 forward followed by a float64 backward (the
//        float type switched after the loss): torch's float32 backward loses
//        less than 1e-4.
// Gradient errors are ||a - b|| / ||b|| over all gradients as one vector and
// per tensor, relative to the tensor's own norm floored at 1e-2 of the
// largest gradient norm. The floor is for gradients that are zero in exact
// arithmetic: a batch-norm scale whose output reaches another batch norm
// through a ReLU and a depthwise conv only (mobilenet_v1's stem.bn at
// initialisation, offset 0) rescales a channel that the next batch norm
// normalises, so it cannot change the loss, so all any float32 computation can
// return is rounding noise of the terms it sums, ~1e-7 of the largest
// gradient; the floor makes that an absolute bound of 1e-6 of the largest.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createRng } from '../src/util/rng';
import { createModel, listModels, logitsModel } from '../src/models';
import { focalLoss } from '../src/train/losses';
import { withSeededMathRandom } from '../src/util/rng';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const TOLERANCE = 1e-4;
// Logits further than this from float64's (relative) can by themselves move a
// whole step's gradients by TOLERANCE (resnet50's, above).
const WELL_CONDITIONED = TOLERANCE / 2;
// Narrow models keep the pure-JS cpu reference fast. With 16 samples a
// channel of the 1x1 last stages that ReLU zeroes for every sample (whose
// batch norm would see a constant) is rare.
const INPUT = 32;
const BATCH = 16;
const WIDTH = 0.25;
const CLASSES = 4;
const LABELS = Array.from({ length: BATCH }, (_, i) => i % CLASSES);
const DRAWS = Number(process.env.DRESNET_GRADIENT_DRAWS ?? 3);

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

/** The draw's batch: uniform in [-0.5, 0.5). */
function drawBatch(draw: number): Float32Array {
  const rng = createRng(draw, 7);
  return Float32Array.from({ length: BATCH * INPUT * INPUT * 3 }, () => rng() - 0.5);
}

interface StepOutput {
  loss: number;
  logits: Float32Array;
  grads: Float32Array[];
  /** The input of every ReLU/ReLU6 layer in this step's forward: the masks its gradient follows. */
  preActivations: Float32Array[];
}

/** The network ending at the logits that also outputs each ReLU layer's input, and each one's upper clip (ReLU6). */
function probeNetwork(model: tfl.LayersModel): { net: tfl.LayersModel; clips: number[] } {
  const relus = model.layers.filter((l) => ['ReLU', 'ReLU6'].includes(l.getClassName()));
  const logits = logitsModel(model).outputs[0];
  const net = tfl.model({ inputs: model.inputs, outputs: [logits, ...relus.map((l) => l.input as tfl.SymbolicTensor)] });
  const clip = (l: tfl.layers.Layer) => (l.getClassName() === 'ReLU6' ? 6 : (l.getConfig().maxValue as number | null | undefined) ?? Infinity);
  return { net, clips: relus.map(clip) };
}

/** Units whose ReLU mask (below 0, passing, above the clip) differs between two forwards. */
function maskFlips(a: StepOutput, b: StepOutput, clips: number[]): number {
  const side = (v: number, clip: number) => (v > 0 ? 1 : 0) + (v > clip ? 1 : 0);
  let flips = 0;
  a.preActivations.forEach((values, layer) => {
    for (let i = 0; i < values.length; i++) {
      if (side(values[i], clips[layer]) !== side(b.preActivations[layer][i], clips[layer])) flips++;
    }
  });
  return flips;
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
  draw: number,
  model: tfl.LayersModel,
  net: tfl.LayersModel,
  weights: Array<{ shape: number[]; values: Float32Array }>,
  forward: Where,
  backward: Where = forward,
  threads = 2,
): Promise<StepOutput> {
  await selectBackend({ backend: forward === 'cpu' ? 'cpu' : 'torch', device: 'cpu', threads, torchFloat64: forward === 'torch64' });
  const fresh = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(fresh);
  tf.dispose(fresh);
  const x = tf.tensor4d(drawBatch(draw), [BATCH, INPUT, INPUT, 3]);
  const y = tf.tensor1d(LABELS, 'int32');
  let logits: tf.Tensor | undefined;
  let preActivations: tf.Tensor[] = [];
  const loss = () => {
    const outputs = net.apply(x, { training: true }) as tf.Tensor[];
    [logits, ...preActivations] = outputs.map((t) => tf.keep(t));
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
  // Dropout draws from Math.random: every step of a draw gets the same mask.
  const { value, grads } = withSeededMathRandom([draw, 1], () => tf.variableGrads(loss, variables));
  const out: StepOutput = {
    loss: value.dataSync()[0],
    logits: logits!.dataSync() as Float32Array,
    grads: variables.map((v) => grads[v.name].dataSync() as Float32Array),
    preActivations: preActivations.map((t) => t.dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads), x, y, logits!, ...preActivations]);
  return out;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const fmt = (e: number) => e.toExponential(1);

interface GradError { total: number; worst: number; worstName: string }

/** ||a - b|| / ||b|| over all gradients as one vector, and the worst tensor (see the floor above). */
function gradError(a: StepOutput, b: StepOutput, names: string[], floor: number): GradError {
  const total = Math.sqrt(a.grads.reduce((sum, g, i) => sum + diffNorm(g, b.grads[i]) ** 2, 0)) /
    Math.sqrt(b.grads.reduce((sum, g) => sum + norm(g) ** 2, 0));
  const each = a.grads.map((g, i) => diffNorm(g, b.grads[i]) / Math.max(norm(b.grads[i]), floor));
  const worst = each.reduce((m, e, i) => (e > each[m] ? i : m), 0);
  return { total, worst: each[worst], worstName: names[worst] };
}

/** One draw of one model: prints every comparison, asserts (i)-(iii); returns the literal cpu-vs-torch gap and its flips. */
async function checkDraw(name: string, draw: number): Promise<{ literal: number; flips: number }> {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
  const model = withSeededMathRandom([draw, 0], () => createModel(name, { numClasses: CLASSES, inputSize: INPUT, width: WIDTH }));
  try {
    const weights = model.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
    const names = model.trainableWeights.map((w) => w.name);
    const { net, clips } = probeNetwork(model);
    const step = (forward: Where, backward: Where = forward, threads = 2) => trainingStep(draw, model, net, weights, forward, backward, threads);
    const truth = await step('torch64');
    const cpu = await step('cpu');
    const torch = await step('torch');
    const torchOneThread = await step('torch', 'torch', 1);
    const torchExactBackward = await step('torch', 'torch64');
    const cpuBackward = await step('torch64', 'cpu');
    const cpuBackward32 = await step('torch', 'cpu');

    const floor = 1e-2 * Math.max(...truth.grads.map(norm));
    const error = (a: StepOutput, b: StepOutput) => gradError(a, b, names, floor);
    const logitsError = (a: StepOutput) => diffNorm(a.logits, truth.logits) / norm(truth.logits);
    const loss = { cpuTorch: relative(torch.loss, cpu.loss), cpu: relative(cpu.loss, truth.loss), torch: relative(torch.loss, truth.loss) };
    const kernels = error(cpuBackward, truth);
    const kernels32 = error(cpuBackward32, torch);
    const precision = error(torch, torchExactBackward);
    const wholeStep = { cpu: error(cpu, truth), torch: error(torch, truth) };
    const literal = error(torch, cpu);
    const threadSplit = error(torchOneThread, torch);
    const flips = { literal: maskFlips(torch, cpu, clips), cpu: maskFlips(cpu, truth, clips), torch: maskFlips(torch, truth, clips) };
    const units = truth.preActivations.reduce((n, p) => n + p.length, 0);
    console.log(`${name} draw ${draw}: loss rel err cpu-torch ${fmt(loss.cpuTorch)}, vs float64: cpu ${fmt(loss.cpu)} torch ${fmt(loss.torch)}; ` +
      `logits vs float64: cpu ${fmt(logitsError(cpu))} torch ${fmt(logitsError(torch))}; ` +
      `gradients on the float64 forward, cpu vs torch backward ${fmt(kernels.total)} (worst ${fmt(kernels.worst)} ${kernels.worstName}); ` +
      `on torch's float32 forward, cpu vs torch float32 backward ${fmt(kernels32.total)} (worst ${fmt(kernels32.worst)} ${kernels32.worstName}); ` +
      `torch float32 backward vs float64 backward ${fmt(precision.total)} (worst ${fmt(precision.worst)} ${precision.worstName}); ` +
      `whole float32 step vs float64: cpu ${fmt(wholeStep.cpu.total)}, torch ${fmt(wholeStep.torch.total)} (worst ${fmt(wholeStep.torch.worst)} ${wholeStep.torch.worstName}); ` +
      `whole float32 steps, torch vs cpu: ${fmt(literal.total)} (worst ${fmt(literal.worst)}) with ${flips.literal} of ${units} ReLU masks different ` +
      `(vs float64: cpu ${flips.cpu}, torch ${flips.torch}); ` +
      `torch 1 vs 2 threads: ${fmt(threadSplit.total)} (worst ${fmt(threadSplit.worst)}); ${names.length} gradients`);

    const where = `${name}, draw ${draw}`;
    assert.ok(loss.cpuTorch < TOLERANCE, `${where}: loss: torch ${torch.loss} vs cpu ${cpu.loss}`);
    assert.ok(loss.cpu < TOLERANCE, `${where}: loss: cpu ${cpu.loss} vs float64 ${truth.loss}`);
    assert.ok(loss.torch < TOLERANCE, `${where}: loss: torch ${torch.loss} vs float64 ${truth.loss}`);
    const backwards = [
      ['cpu vs torch backward on the float64 forward', kernels],
      ['cpu vs torch float32 backward on the float32 forward', kernels32],
      ['torch float32 vs float64 backward', precision],
    ] as const;
    for (const [what, e] of backwards) {
      assert.ok(e.total < TOLERANCE, `${where}: ${what}: all gradients, relative error ${e.total}`);
      assert.ok(e.worst < TOLERANCE, `${where}: ${what}: gradient of ${e.worstName}, relative error ${e.worst}`);
    }
    const forwardError = { cpu: logitsError(cpu), torch: logitsError(torch) };
    const wherever = [
      ['whole steps, torch vs cpu', literal, flips.literal, Math.max(forwardError.cpu, forwardError.torch)],
      ['whole steps, cpu vs float64', wholeStep.cpu, flips.cpu, forwardError.cpu],
      ['whole steps, torch vs float64', wholeStep.torch, flips.torch, forwardError.torch],
    ] as const;
    for (const [what, e, flipped, logits] of wherever) {
      if (flipped > 0 || logits >= WELL_CONDITIONED) continue;
      assert.ok(e.total < TOLERANCE, `${where}: ${what}: all gradients ${e.total} apart although every ReLU mask agrees and the logits are ${logits} from float64`);
    }
    // Degenerate-agreement guard: the gradients must not all be zero.
    assert.ok(truth.grads.some((g) => g.some((v) => v !== 0)), `${where}: all gradients are zero`);
    return { literal: literal.total, flips: flips.literal };
  } finally {
    model.dispose();
  }
}

for (const name of listModels()) {
  test(`${name}: one training step on cpu and torch agrees with torch float64 (loss; gradients on the same forward) within ${TOLERANCE}, ${DRAWS} draws`, { skip: SKIP }, async () => {
    const literal = [];
    try {
      for (let draw = 0; draw < DRAWS; draw++) literal.push(await checkDraw(name, draw));
    } finally {
      await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
    }
    const misses = literal.filter((l) => l.literal >= TOLERANCE);
    console.log(`${name}: whole float32 steps, torch vs cpu, within ${TOLERANCE} in ${DRAWS - misses.length} of ${DRAWS} draws` +
      (misses.length > 0 ? `; misses ${misses.map((m) => `${fmt(m.literal)} (${m.flips} mask${m.flips === 1 ? '' : 's'} flipped)`).join(', ')}` : ''));
  });
}
