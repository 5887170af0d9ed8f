#!/usr/bin/env node
// Checks the torch backend on a GPU against itself on the CPU: for every zoo
// model, one training step (the trainer's forward, which frees each layer
// output after its last reader; focal loss on the logits, gradients, and
// the trainer's update: SGD momentum with weight decay in one fused kernel,
// batch-norm running statistics from the fused batch norm) from the same
// weights and batch, in four settings, each in its own process (the addon's
// device is process-wide):
//   cpu64  - CPU, float64 reference mode (the truth)
//   cuda64 - GPU, float64: the same kernels on the GPU compute the same
//            function; with rounding out of the way, only float32 read-back
//            differs, so loss, every gradient and the change the step makes
//            to every weight (running statistics included) must agree within 1e-6
//   cuda32 - GPU, float32 (TF32 off): the loss within 1e-4 of the truth; the
//            whole-step gradient error is printed (ReLU masks may flip in
//            float32 on any device, see test/backend-gradients.test.ts)
//   cpu32  - CPU, float32, printed beside cuda32 for scale
// In the cuda settings, every live tensor handle after the step must be on the
// GPU (the addon's placement()), which shows that nothing runs through the host.
//
//   node scripts/cuda-check.js [--models a,b] [--size 64] [--batch 16] [--json out.json]
// Needs `npm run build` and the addon built against a CUDA libtorch
// (scripts/cuda-verify.sh does both on a GPU machine). Exits 1 if a check fails.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const DIST = path.join(__dirname, '..', 'dist', 'src');
const SETTINGS = {
  cpu64: { device: 'cpu', float64: true },
  cuda64: { device: 'cuda', float64: true },
  cuda32: { device: 'cuda', float64: false },
  cpu32: { device: 'cpu', float64: false },
};
const SAME_FUNCTION = 1e-6;
const LOSS_TOLERANCE = 1e-4;
const CLASSES = 7;

function arg(flag, fallback) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function child(setting, models, size, batch, outDir) {
  const tf = require('@tensorflow/tfjs-core');
  const { selectBackend } = require(path.join(DIST, 'backend'));
  const { loadBinding } = require(path.join(DIST, 'backend', 'torch'));
  const { createModel, trainingLogits } = require(path.join(DIST, 'models'));
  const { focalLoss } = require(path.join(DIST, 'train', 'losses'));
  const { decayedVariables, makeOptimizer } = require(path.join(DIST, 'train', 'optimizer'));
  // Fixed streams, so every process builds the same weights, batch and dropout masks.
  const { createRng } = require(path.join(DIST, 'data', 'rng'));
  const { device, float64 } = SETTINGS[setting];
  await selectBackend({ backend: 'torch', device, threads: 0, torchFloat64: float64 });
  const binding = loadBinding();
  binding.setTF32(false);
  const result = { setting, info: binding.info(), models: {} };
  for (const name of models) {
    Math.random = createRng(12345);
    const model = createModel(name, { numClasses: CLASSES, inputSize: size });
    const next = createRng(7);
    const x = tf.tensor4d(Float32Array.from({ length: batch * size * size * 3 }, () => next() - 0.5), [batch, size, size, 3]);
    const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % CLASSES), 'int32');
    const variables = model.trainableWeights.map((w) => w.read());
    const allWeights = () => concat(model.weights.map((w) => w.read().dataSync()));
    const before = allWeights();
    const start = performance.now();
    const { value, grads } = tf.variableGrads(
      () => focalLoss(trainingLogits(model, x), y, { gamma: 2 }), variables);
    const loss = value.dataSync()[0];
    const seconds = (performance.now() - start) / 1000;
    const placement = binding.placement();
    const gpuBytes = device === 'cuda' ? binding.memoryBytes() : 0;
    fs.writeFileSync(path.join(outDir, `${setting}-${name}.bin`), Buffer.from(concat(variables.map((v) => grads[v.name].dataSync())).buffer));
    const optimizer = makeOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }, decayedVariables(variables));
    optimizer.applyGradients(grads);
    const after = allWeights();
    const update = Float64Array.from(after, (v, i) => v - before[i]);
    fs.writeFileSync(path.join(outDir, `${setting}-${name}.update.bin`), Buffer.from(update.buffer));
    result.models[name] = { loss, placement, gpuBytes, seconds };
    tf.dispose([value, x, y, ...Object.values(grads)]);
    optimizer.dispose();
    model.dispose();
  }
  fs.writeFileSync(path.join(outDir, `${setting}.json`), JSON.stringify(result));
}

function concat(arrays) {
  const flat = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    flat.set(a, offset);
    offset += a.length;
  }
  return flat;
}

function readGrads(dir, setting, name) {
  const buf = fs.readFileSync(path.join(dir, `${setting}-${name}.bin`));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
}

/** After - before, over every weight (running statistics included), of the step's update. */
function readUpdate(dir, setting, name) {
  const buf = fs.readFileSync(path.join(dir, `${setting}-${name}.update.bin`));
  return new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
}

/** ||a - b|| / ||b|| over all gradients as one vector. */
function relativeError(a, b) {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    ref += b[i] * b[i];
  }
  return Math.sqrt(diff / ref);
}

function parent() {
  const size = Number(arg('--size', '64'));
  const batch = Number(arg('--batch', '16'));
  const { listModels } = require(path.join(DIST, 'models'));
  const models = arg('--models', listModels().join(',')).split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-cuda-check-'));
  const runs = {};
  for (const setting of Object.keys(SETTINGS)) {
    const res = spawnSync(process.execPath, [__filename, '--child', setting, '--models', models.join(','),
      '--size', String(size), '--batch', String(batch), '--dir', dir], { stdio: 'inherit' });
    if (res.status !== 0) {
      console.error(`cuda-check: the ${setting} step failed (exit ${res.status})`);
      process.exit(1);
    }
    runs[setting] = JSON.parse(fs.readFileSync(path.join(dir, `${setting}.json`), 'utf8'));
  }
  const info = runs.cuda32.info;
  console.log(`# torch backend, libtorch ${info.libtorchVersion}, device ${info.device}; ${size}x${size}, batch ${batch}, ` +
    `${CLASSES} classes, focal loss; TF32 off`);
  console.log('| model | loss cuda64 vs cpu64 | grads cuda64 vs cpu64 | update cuda64 vs cpu64 | loss cuda32 vs cpu64 | grads cuda32 vs cpu64 | ' +
    'grads cpu32 vs cpu64 | handles on cuda / cpu | GPU tensor MiB | step s cpu32 / cuda32 |');
  console.log('|' + ' --- |'.repeat(10));
  const failures = [];
  const rows = [];
  for (const name of models) {
    const truth = runs.cpu64.models[name];
    const truthGrads = readGrads(dir, 'cpu64', name);
    const lossError = (s) => Math.abs(runs[s].models[name].loss - truth.loss) / Math.abs(truth.loss);
    const gradError = (s) => relativeError(readGrads(dir, s, name), truthGrads);
    const row = {
      model: name,
      loss64: lossError('cuda64'), grads64: gradError('cuda64'),
      update64: relativeError(readUpdate(dir, 'cuda64', name), readUpdate(dir, 'cpu64', name)),
      loss32: lossError('cuda32'), grads32: gradError('cuda32'), cpuGrads32: gradError('cpu32'),
      onCuda: runs.cuda32.models[name].placement.cuda ?? 0, onCpu: runs.cuda32.models[name].placement.cpu ?? 0,
      gpuMiB: runs.cuda32.models[name].gpuBytes / 2 ** 20,
      cpuSeconds: runs.cpu32.models[name].seconds, cudaSeconds: runs.cuda32.models[name].seconds,
    };
    rows.push(row);
    if (!(row.loss64 <= SAME_FUNCTION && row.grads64 <= SAME_FUNCTION)) failures.push(`${name}: float64 on cuda differs from cpu`);
    if (!(row.update64 <= SAME_FUNCTION)) failures.push(`${name}: the float64 update on cuda differs from cpu by ${row.update64}`);
    if (!(row.loss32 <= LOSS_TOLERANCE)) failures.push(`${name}: float32 loss on cuda ${row.loss32} from the truth`);
    if (row.onCpu !== 0 || row.onCuda === 0) failures.push(`${name}: ${row.onCpu} tensors on the cpu after a cuda step`);
    if ((runs.cuda64.models[name].placement.cpu ?? 0) !== 0) failures.push(`${name}: tensors on the cpu after a cuda64 step`);
    const e = (v) => v.toExponential(1);
    console.log(`| ${name} | ${e(row.loss64)} | ${e(row.grads64)} | ${e(row.update64)} | ${e(row.loss32)} | ${e(row.grads32)} | ${e(row.cpuGrads32)} | ` +
      `${row.onCuda} / ${row.onCpu} | ${row.gpuMiB.toFixed(0)} | ${row.cpuSeconds.toFixed(2)} / ${row.cudaSeconds.toFixed(2)} |`);
  }
  const json = arg('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ info, size, batch, rows }, null, 1));
  fs.rmSync(dir, { recursive: true, force: true });
  if (failures.length > 0) {
    console.error(`cuda-check FAILED:\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`cuda-check passed: float64 on cuda equals cpu within ${SAME_FUNCTION} (loss, gradients, update), float32 losses within ${LOSS_TOLERANCE}, ` +
    'every tensor on the GPU');
}

if (process.argv.includes('--child')) {
  child(arg('--child'), arg('--models').split(','), Number(arg('--size')), Number(arg('--batch')), arg('--dir')).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  parent();
}
