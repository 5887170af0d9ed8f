#!/usr/bin/env node
// Checks plans replayed through their own buffers (runtime.cudaGraphs; on a
// CUDA device captured as CUDA graphs, native/src/graph.h) against eager
// training steps: for every zoo model, STEPS steps of the trainer's TrainStep
// from the same weights over the same batches, the learning rate changing
// every step (warm-up then cosine) and each step's Math.random seeded as the
// trainer seeds it (MobileNet v2's dropout masks).
//   cpu  - the buffered replay without a capture: losses and weights bit for bit
//   cuda - the captured graphs: every model's plan must say 'captured', and its
//          losses must stay within LOSS_TOLERANCE (relative) of eager's, step
//          by step (cuDNN may pick other algorithms; TF32 is off)
// It also times eager against replayed steps (img/s, after the untimed ones).
//
//   node scripts/cuda-graph-check.js [--device cuda] [--models a,b] [--size 64] [--batch 16] [--json out.json]
// Needs `npm run build`; on cuda the addon built against a CUDA libtorch with
// CUDA's headers (scripts/cuda-verify.sh). Exits 1 if a check fails.
'use strict';

const fs = require('fs');
const path = require('path');

const DIST = path.join(__dirname, '..', 'dist', 'src');
const STEPS = 20;
const CLASSES = 7;
const LOSS_TOLERANCE = 1e-4;

function arg(flag, fallback) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const tf = require('@tensorflow/tfjs-core');
  const { selectBackend } = require(path.join(DIST, 'backend'));
  const { loadBinding } = require(path.join(DIST, 'backend', 'torch'));
  const { createModel, listModels } = require(path.join(DIST, 'models'));
  const { makeLoss } = require(path.join(DIST, 'train', 'losses'));
  const { makeOptimizer } = require(path.join(DIST, 'train', 'optimizer'));
  const { TrainStep } = require(path.join(DIST, 'train', 'step'));
  const { withSeededMathRandom } = require(path.join(DIST, 'util', 'rng'));
  const device = arg('--device', 'cuda');
  const size = Number(arg('--size', '64'));
  const batchSize = Number(arg('--batch', '16'));
  const models = arg('--models', listModels().join(',')).split(',');
  await selectBackend({ backend: 'torch', device, threads: 0, cudaGraphs: true });
  const binding = loadBinding();
  if (device === 'cuda') binding.setTF32(false);
  const backend = tf.backend();

  const batches = Array.from({ length: STEPS }, (_, i) => ({
    x: tf.randomUniform([batchSize, size, size, 3], -1, 1, 'float32', 10 + i),
    y: tf.tensor1d(Array.from({ length: batchSize }, (_, k) => (k + i) % CLASSES), 'float32'),
  }));

  function train(name, graphs) {
    backend.cudaGraphs = graphs;
    const model = withSeededMathRandom([7], () => createModel(name, { numClasses: CLASSES, inputSize: size }));
    const optimizer = makeOptimizer({ type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, [],
      { stepsPerEpoch: STEPS, epochs: 2, config: { type: 'cosine', warmupEpochs: 0.5, milestones: [], gamma: 0.1 } });
    const lossFn = makeLoss({ type: 'focal', gamma: 2, alpha: undefined, labelSmoothing: 0, bnL1: 0 }, CLASSES);
    const step = new TrainStep(model, optimizer, lossFn, graphs);
    try {
      const losses = [];
      let timed = 0;
      let start = 0;
      batches.forEach((batch, i) => {
        // Recording takes the first two steps, the capture the third.
        if (i === 3) start = performance.now();
        losses.push(step.run(batch, [42, i]).loss);
        if (i >= 3) timed++;
      });
      const seconds = (performance.now() - start) / 1000;
      const weights = model.getWeights().map((w) => Buffer.from(new Float32Array(w.dataSync()).buffer));
      return { losses, weights, mode: step.mode(batches[0]), imgPerS: (timed * batchSize) / seconds };
    } finally {
      step.dispose();
      optimizer.dispose();
      model.dispose();
      backend.cudaGraphs = false;
    }
  }

  const report = { device, size, batch: batchSize, steps: STEPS, info: binding.info(), models: {} };
  let failed = false;
  for (const name of models) {
    const eager = train(name, false);
    const replayed = train(name, true);
    const worst = Math.max(...eager.losses.map((l, i) => Math.abs(replayed.losses[i] - l) / Math.max(Math.abs(l), 1e-12)));
    const problems = [];
    if (replayed.mode.mode !== 'replaying') problems.push(`not replayed: ${JSON.stringify(replayed.mode)}`);
    if (device === 'cuda') {
      if (replayed.mode.graph !== 'captured') problems.push(`no CUDA graph: ${replayed.mode.graph}`);
      if (!(worst <= LOSS_TOLERANCE)) problems.push(`a loss ${worst.toExponential(2)} (relative) from eager's, more than ${LOSS_TOLERANCE}`);
    } else {
      if (worst !== 0) problems.push(`losses differ from eager's by up to ${worst.toExponential(2)} (relative); the CPU must match bit for bit`);
      if (!replayed.weights.every((w, i) => w.equals(eager.weights[i]))) problems.push('weights differ from eager\'s');
    }
    report.models[name] = { worstLossRelative: worst, graph: replayed.mode.graph, eagerImgPerS: eager.imgPerS, replayedImgPerS: replayed.imgPerS, problems };
    console.log(`${name}: ${problems.length ? 'FAILED' : 'ok'}; graph ${replayed.mode.graph}; losses within ${worst.toExponential(2)} of eager's; ` +
      `${eager.imgPerS.toFixed(1)} img/s eager, ${replayed.imgPerS.toFixed(1)} replayed${problems.length ? `; ${problems.join('; ')}` : ''}`);
    failed ||= problems.length > 0;
  }
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  const out = arg('--json', undefined);
  if (out) fs.writeFileSync(out, JSON.stringify(report, null, 2));
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
