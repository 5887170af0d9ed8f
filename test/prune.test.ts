// Channel pruning (src/prune/): the pruned model is exact before fine-tuning
// (it computes the parent's logits with the removed channels zeroed), ratio 0
// is the parent bit for bit, its parameter count is the plan's, residual sums
// keep the same channels, and what the planner cannot prune is refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src/backend';
import { decodeImageFile, resizeSquare } from '../src/data/decode';
import { createRng } from '../src/util/rng';
import { BatchNorm, createModel, logitsModel, modelStats } from '../src/models';
import { applyPlanTo, planPruning, planParams, pruneModel, PrunePlan, PruneMethod } from '../src/prune';
import { herlevOrSkip } from './fixtures/data';

const SIZE = 32;
const CLASSES = 7;

/** Every zoo family the planner handles, with DResNet's ablation variants (experiments/ablation.yaml). */
const MODELS: Array<[string, Record<string, unknown>]> = [
  ['resnet18', {}],
  ['resnet50', {}],
  ['mobilenet_v1', {}],
  ['mobilenet_v2', {}],
  ['dresnet', {}],
  ['dresnet', { conv3x3: 'standard', pointwise: 'dense', multiScale: false, se: false }],
  ['dresnet', { pointwise: 'dense', multiScale: false, se: false }],
  ['dresnet', { multiScale: false, se: false }],
  ['dresnet', { se: false }],
];

const label = ([name, opts]: [string, Record<string, unknown>]): string =>
  Object.keys(opts).length ? `${name} ${JSON.stringify(opts)}` : name;

/** One real Herlev cell of each class, resized to SIZE, scaled to [-1, 1]. */
async function herlevBatch(dir: string): Promise<tf.Tensor4D> {
  const classes = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort();
  const pixels: number[] = [];
  for (const cls of classes.slice(0, 4)) {
    const file = fs.readdirSync(path.join(dir, cls)).filter((f) => /\.bmp$/i.test(f)).sort()[0];
    const raw = await resizeSquare(await decodeImageFile(path.join(dir, cls, file)), SIZE, 'pad');
    for (const v of raw) pixels.push(v / 127.5 - 1);
  }
  return tf.tensor4d(pixels, [pixels.length / (SIZE * SIZE * 3), SIZE, SIZE, 3]);
}

/**
 * Random BN scales and shifts (so channels differ in |γ| and in L1 rank),
 * then running statistics taken from one batch (momentum 1 for that pass),
 * so inference-mode activations stay normalised through 50 layers and the
 * logits are of order 1.
 */
function randomizeAndCalibrate(model: tfl.LayersModel, x: tf.Tensor4D, seed: number): void {
  const rng = createRng(seed);
  for (const w of model.weights) {
    const kind = /\/(gamma|beta)(_\d+)?$/.exec(w.name)?.[1];
    if (kind === undefined) continue;
    const n = w.shape.reduce((a, b) => a! * b!, 1)!;
    const t = tf.tensor(Float32Array.from({ length: n }, () => (kind === 'gamma' ? 0.2 + rng() : 0.4 * (rng() - 0.5))), w.shape as number[]);
    w.write(t);
    t.dispose();
  }
  const bns = model.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
  const set = (m: number) => bns.forEach((bn) => ((bn as unknown as { momentum: number }).momentum = m));
  set(1);
  tf.tidy(() => { logitsModel(model).apply(x, { training: true }); });
  set(0.1);
}

/** The parent with each removed channel's batch-norm output forced to 0 (γ = β = 0), and SE's removed hidden units off (their weights 0). */
function zeroRemoved(model: tfl.LayersModel, plan: PrunePlan): void {
  for (const layer of model.layers) {
    const p = plan.layers[layer.name];
    if (p === undefined || p.keptOut === p.outChannels) continue;
    const kept = new Set(p.keep);
    const isBn = layer instanceof BatchNorm;
    if (!isBn && layer.getClassName() !== 'Dense') continue;
    const zeroed = layer.getWeights().map((w, i) => tf.tidy(() => {
      if (isBn && i >= 2) return w.clone(); // running statistics stay
      const cols = w.shape[w.shape.length - 1];
      const mask = tf.tensor1d(Array.from({ length: cols }, (_, c) => (kept.has(c) ? 1 : 0)));
      return tf.mul(w, mask);
    }));
    layer.setWeights(zeroed);
    tf.dispose(zeroed);
  }
}

function logits(model: tfl.LayersModel, x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (logitsModel(model).predict(x) as tf.Tensor).dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** float64: the torch backend's float64 reference mode, where float32 rounding cannot hide or mimic a pruning error. */
async function backend(float64 = false): Promise<void> {
  await selectBackend({ backend: process.env.DRESNET_SKIP_NATIVE === '1' ? 'cpu' : 'torch', device: 'cpu', threads: 1, torchFloat64: float64 });
}

for (const spec of MODELS) {
  test(`prune ${label(spec)}: l1 and slim at 0.5 are exact before fine-tuning on Herlev cells; ratio 0 is the parent bit for bit; params = the plan's`, async (t) => {
    const herlev = herlevOrSkip(t);
    if (!herlev) return;
    await backend(true);
    const x = await herlevBatch(herlev);
    for (const method of ['l1', 'slim'] as PruneMethod[]) {
      const model = createModel(spec[0], { ...spec[1], numClasses: CLASSES, inputSize: SIZE });
      randomizeAndCalibrate(model, x, 11);
      const original = logits(model, x);
      assert.ok(original.every(Number.isFinite) && maxAbs(original) > 1e-3, 'logits are finite and not all 0');

      const same = pruneModel(model, method, 0);
      assert.deepEqual(logits(same.model, x), original, `${method} ratio 0: logits bit for bit`);
      same.model.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), model.weights[i].read().dataSync(), `ratio 0: weight ${w.name}`));
      same.model.dispose();

      const { model: pruned, plan } = pruneModel(model, method, 0.5);
      const [before, after] = [modelStats(model), modelStats(pruned)];
      const fromPlan = planParams(plan, model);
      assert.equal(after.totalParams, fromPlan.total, `${method}: total params = the plan's`);
      assert.equal(after.trainableParams, fromPlan.trainable, `${method}: trainable params = the plan's`);
      assert.ok(after.totalParams < 0.6 * before.totalParams, `${method}: ${after.totalParams} params left of ${before.totalParams}`);
      const got = logits(pruned, x);
      zeroRemoved(model, plan);
      const want = logits(model, x);
      // Within 1e-5 of the largest logit. In float32 the sums over fewer terms in another order alone came to 1.04e-5
      // (mobilenet_v1, slim, on one CI machine's CPU), so this runs in float64, where they are ~1e-15 apart and a wrong
      // channel still shows at full size.
      const diff = maxAbsDiff(got, want) / maxAbs(want);
      assert.ok(diff <= 1e-5, `${label(spec)} ${method}: pruned logits differ from the zeroed parent's by ${diff} of the largest (${maxAbs(want)})`);
      pruned.dispose();
      model.dispose();
    }
    x.dispose();
  });
}

/** Per Add layer of the model, the kept channel indices of each tensor it adds (read from the plan via each input's producing layer). */
function addedKeeps(model: tfl.LayersModel, plan: PrunePlan): Array<{ add: string; keeps: number[][] }> {
  return model.layers.filter((l) => l.getClassName() === 'Add').map((add) => ({
    add: add.name,
    keeps: (add.input as tfl.SymbolicTensor[]).map((t) => plan.layers[t.sourceLayer.name].keep),
  }));
}

for (const name of ['resnet50', 'dresnet']) {
  test(`prune ${name}: every pair of tensors added together keeps the same channel indices (from the plan)`, async () => {
    await backend();
    const model = createModel(name, { numClasses: CLASSES, inputSize: SIZE });
    const x = tf.randomNormal([4, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    randomizeAndCalibrate(model, x, 5);
    for (const method of ['l1', 'slim'] as PruneMethod[]) {
      const { plan } = planPruning(model, method, 0.5);
      const adds = addedKeeps(model, plan);
      assert.ok(adds.length >= (name === 'resnet50' ? 16 : 13), `${adds.length} additions`);
      for (const { add, keeps } of adds) {
        assert.equal(keeps.length, 2);
        assert.ok(keeps[0].length < plan.layers[add].outChannels, `${method} ${add}: pruned (${keeps[0].length} of ${plan.layers[add].outChannels})`);
        assert.deepEqual(keeps[0], keeps[1], `${method} ${add}: both addends keep the same channels`);
        assert.deepEqual(plan.layers[add].keep, keeps[0], `${method} ${add}: the sum keeps them too`);
      }
    }
    x.dispose();
    model.dispose();
  });
}

test('prune refuses ShuffleNets naming the layer, and ratios outside [0, 1)', async () => {
  await backend();
  for (const name of ['shufflenet_v1', 'shufflenet_v2']) {
    const model = createModel(name, { numClasses: CLASSES, inputSize: SIZE });
    assert.throws(() => planPruning(model, 'l1', 0.5), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^prune: ${name}: layer \\S+ \\((ChannelShuffle|ChannelSlice)\\) `));
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    model.dispose();
  }
  const model = createModel('resnet18', { numClasses: CLASSES, inputSize: SIZE });
  for (const ratio of [1, 1.5, -0.1, NaN]) {
    assert.throws(() => planPruning(model, 'l1', ratio), /^UserError: --ratio .*expected a share of channels to remove, >= 0 and < 1$/);
  }
  model.dispose();
});

test('a plan made at 7 classes and 32 px sizes the same pruned DResNet at 1000 classes and 64 px (Table 3\'s sizing)', async () => {
  await backend();
  const small = createModel('dresnet', { numClasses: CLASSES, inputSize: SIZE });
  const { model: pruned, plan } = pruneModel(small, 'l1', 0.5);
  const big = createModel('dresnet', { numClasses: 1000, inputSize: 64 });
  const sized = applyPlanTo(big, plan);
  const features = plan.layers.logits.keptIn;
  assert.equal(modelStats(sized).totalParams - modelStats(pruned).totalParams, (1000 - CLASSES) * (features + 1), 'only the head differs');
  assert.throws(() => applyPlanTo(createModel('resnet18', { numClasses: CLASSES, inputSize: SIZE }), plan), /not the architecture the plan was made for/);
  [small, pruned, big, sized].forEach((m) => m.dispose());
});
