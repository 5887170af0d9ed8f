// The trainer's step with its gradient pass replayed from a recorded plan
// (TrainStep with compile, src/backend/compiled.ts) against the eager step:
// for every zoo model, 20 steps from the same weights over the same batches
// give the same losses, weights (batch-norm statistics included) and
// optimiser state, bit for bit. MobileNet v2's dropout draws a new mask per
// step in JS: its plan takes the mask as an input, drawn before each replay.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src/backend';
import { TorchBackend } from '../src/backend/torch';
import { createModel, listModels } from '../src/models';
import { makeLoss } from '../src/train/losses';
import { makeOptimizer, ScheduledOptimizer } from '../src/train/optimizer';
import { Batch, TrainStep } from '../src/train/step';
import { withSeededMathRandom } from '../src/util/rng';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;
const STEPS = 20;
const CLASSES = 4;

function batches(): Batch[] {
  return Array.from({ length: STEPS }, (_, i) => ({
    x: tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 10 + i) as tf.Tensor4D,
    y: tf.tensor1d([0, 1, 2, 3].map((c) => (c + i) % CLASSES), 'float32'),
  }));
}

function bits(tensors: tf.Tensor[]): Buffer[] {
  return tensors.map((t) => Buffer.from(new Float32Array(t.dataSync()).buffer));
}

interface Trained {
  losses: number[];
  weights: Buffer[];
  optimizerState: Buffer[];
  modes: string[];
}

async function train(name: string, data: Batch[], compile: boolean): Promise<Trained> {
  const model: LayersModel = withSeededMathRandom([7], () => createModel(name, { numClasses: CLASSES, inputSize: 32, width: 0.25 }));
  // A warm-up schedule: the rate changes every step, which a plan must follow.
  const optimizer: ScheduledOptimizer = makeOptimizer({ type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, [],
    { stepsPerEpoch: STEPS, epochs: 2, config: { type: 'cosine', warmupEpochs: 0.5, milestones: [], gamma: 0.1 } });
  const step = new TrainStep(model, optimizer, makeLoss({ type: 'ce', gamma: 0, alpha: undefined, labelSmoothing: 0, bnL1: 0 }, CLASSES), compile);
  try {
    const losses = data.map((batch, i) => step.run(batch, [42, i]).loss);
    const optimizerState = (await optimizer.optimizer.getWeights()).map((w) => w.tensor);
    return { losses, weights: bits(model.getWeights()), optimizerState: bits(optimizerState), modes: [JSON.stringify(step.mode(data[0])), ...step.eagerReasons()] };
  } finally {
    step.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

test(`every zoo model: ${STEPS} steps with the gradient pass replayed equal the eager steps bit for bit`, { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const data = batches();
  const replayed: string[] = [];
  try {
    for (const name of listModels()) {
      const eager = await train(name, data, false);
      const compiled = await train(name, data, true);
      assert.deepEqual(compiled.losses, eager.losses, `${name}: losses`);
      assert.equal(compiled.weights.length, eager.weights.length);
      compiled.weights.forEach((w, i) => assert.ok(w.equals(eager.weights[i]), `${name}: weight ${i}`));
      compiled.optimizerState.forEach((w, i) => assert.ok(w.equals(eager.optimizerState[i]), `${name}: optimiser slot ${i}`));
      if (compiled.modes[0].includes('replaying')) replayed.push(name);
      else assert.fail(`${name}: ${compiled.modes.join('; ')}`);
      // Nothing to log after a fold's first epoch.
      assert.deepEqual(compiled.modes.slice(1), [], name);
    }
  } finally {
    for (const b of data) tf.dispose([b.x, b.y]);
  }
  assert.deepEqual(replayed, listModels());
});

test('through the plans\' own buffers (runtime.cudaGraphs, on the CPU without a capture), MobileNet v2\'s steps, masks drawn per step, still equal eager bit for bit', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1, cudaGraphs: true });
  const data = batches();
  try {
    const eager = await train('mobilenet_v2', data, false);
    const buffered = await train('mobilenet_v2', data, true);
    assert.deepEqual(buffered.losses, eager.losses);
    buffered.weights.forEach((w, i) => assert.ok(w.equals(eager.weights[i]), `weight ${i}`));
    assert.match(buffered.modes[0], /replaying/);
  } finally {
    (tf.backend() as TorchBackend).cudaGraphs = false;
    for (const b of data) tf.dispose([b.x, b.y]);
  }
});

for (const name of ['dresnet', 'mobilenet_v2']) {
  test(`${name}: 50 replayed training steps leak no tensors, handles or bytes`, { skip: SKIP }, async () => {
    await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
    const backend = tf.backend() as TorchBackend;
    const model = createModel(name, { numClasses: CLASSES, inputSize: 32, width: 0.25 });
    const optimizer = makeOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }, []);
    const step = new TrainStep(model, optimizer, makeLoss({ type: 'focal', gamma: 2, alpha: undefined, labelSmoothing: 0, bnL1: 0 }, CLASSES), true);
    const data = batches();
    const batch = data[0];
    try {
      for (let i = 0; i < 3; i++) step.run(batch, [1, i]);
      assert.equal(step.mode(batch).mode, 'replaying');
      const start = { tensors: tf.memory().numTensors, ...backend.memory() };
      for (let i = 0; i < 50; i++) step.run(batch, [2, i]);
      assert.deepEqual({ tensors: tf.memory().numTensors, ...backend.memory() }, start);
    } finally {
      step.dispose();
      optimizer.dispose();
      model.dispose();
      for (const b of data) tf.dispose([b.x, b.y]);
    }
  });
}
