#!/usr/bin/env node
'use strict';
/**
 * Diagnoses "validation at chance while training accuracy rises" in the first
 * epochs: trains one fold as `dresnet train` does (same model, data, schedule,
 * steps) and after every epoch evaluates the validation split four ways:
 *   running  - inference mode, BN running statistics (what metrics.csv reports)
 *   batch    - BN in training mode on the validation batch itself (batch statistics)
 *   precise  - inference mode after re-estimating the running statistics at the
 *              current weights (K forward passes over training batches, no update)
 *   train-inf - inference mode on the (un-augmented) training images
 * Weights and running statistics are restored after each probe, so the training
 * trajectory is that of a normal run.
 *
 *   node scripts/diag-bn-stats.js --config configs/quickstart.yaml [--backend torch] [--set k=v ...] [--fold i]
 *     [--stop-epoch n] [--precise-steps K] [--dist dist-trainer]
 */
const path = require('node:path');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const sets = args.flatMap((a, i) => (a === '--set' ? [args[i + 1]] : []));
const dist = path.resolve(__dirname, '..', opt('--dist', 'dist'));
const req = (m) => require(path.join(dist, 'src', m));

async function main() {
  const tf = require('@tensorflow/tfjs-core');
  const { loadRunConfig } = req('config/load');
  const { selectBackend } = req('backend');
  const data = req('data');
  const { buildModel } = req('train/trainer');
  const { makeLoss } = req('train/losses');
  const { makeOptimizer, decayedVariables } = req('train/optimizer');
  const { learningRateAt } = req('train/schedule');
  const { trainStep } = req('train/step');
  const { logitsModel } = req('models');

  const config = loadRunConfig(path.resolve(opt('--config', 'configs/quickstart.yaml')), sets);
  config.runtime.backend = opt('--backend', config.runtime.backend);
  config.runtime.threads = Number(opt('--threads', '1'));
  const fold = Number(opt('--fold', '0'));
  const preciseSteps = Number(opt('--precise-steps', '60'));
  const stopEpoch = Number(opt('--stop-epoch', String(config.train.epochs)));
  await selectBackend(config.runtime);
  const ds = await data.loadDataset(config.data, { seed: config.seed, log: () => {} });
  const splits = data.makeSplits(ds, config.data.split, config.seed);
  const { train: trainIdx, val: valIdx } = splits[fold];
  const normalization = data.computeNormalization(ds.images, trainIdx);
  const model = buildModel(config, ds.classes.length, fold);
  const lossFn = makeLoss(config.train.loss, ds.classes.length);
  const optimizer = makeOptimizer(config.train.optimizer, decayedVariables(model.trainableWeights.map((w) => w.read())));
  const bs = config.train.batchSize;
  const dropLast = trainIdx.length >= bs;
  const stepsPerEpoch = dropLast ? Math.floor(trainIdx.length / bs) : 1;
  const stream = (idx, train, epoch, augment = config.data.augment) => data.createBatchStream(ds, idx, {
    batchSize: bs, train, seed: config.seed, epoch, normalization, augment, dropLast: train && dropLast,
  });
  const noAug = { hflip: false, vflip: false, rot90: false, rotate: 0, scale: 0, colorJitter: 0 };
  const net = logitsModel(model);
  const snapshot = () => model.weights.map((w) => tf.clone(w.read()));
  const restore = (saved) => { model.weights.forEach((w, i) => w.write(saved[i])); tf.dispose(saved); };
  const accuracy = async (idx, training) => {
    let correct = 0; let n = 0;
    for await (const b of stream(idx, false, 0, noAug)) {
      const c = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(net.apply(b.x, { training }), 1), tf.cast(b.y, 'int32')), 'int32')));
      correct += (await c.data())[0]; n += b.y.shape[0];
      tf.dispose([c, b.x, b.y]);
    }
    return correct / n;
  };
  // BN layers' running statistics: how far the running variance is from the batch variance of the current weights.
  const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNorm');
  const runningVars = () => bnLayers.map((l) => l.getWeights()[3].dataSync().slice());
  let step = 0;
  console.log('epoch,train_top1,val_running,val_batchstats,val_precise,train_inference,median_var_ratio_precise_over_running,max_var_ratio');
  for (let epoch = 0; epoch < Math.min(stopEpoch, config.train.epochs); epoch++) {
    let correct = 0; let seen = 0;
    for await (const batch of stream(trainIdx, true, epoch)) {
      optimizer.setLearningRate(learningRateAt(step, stepsPerEpoch, config.train.epochs, config.train.optimizer.lr, config.train.schedule));
      const r = trainStep(model, optimizer, lossFn, batch);
      tf.dispose([batch.x, batch.y]);
      correct += r.correct; seen += r.size; step++;
    }
    const valRunning = await accuracy(valIdx, false);
    const trainInf = await accuracy(trainIdx, false);
    let saved = snapshot();
    const valBatch = await accuracy(valIdx, true);
    restore(saved);
    saved = snapshot();
    const before = runningVars();
    for (let k = 0, e = 1000; k < preciseSteps; e++) {
      for await (const b of stream(trainIdx, true, e)) {
        if (k++ < preciseSteps) tf.dispose(net.apply(b.x, { training: true }));
        tf.dispose([b.x, b.y]);
      }
    }
    const after = runningVars();
    const valPrecise = await accuracy(valIdx, false);
    restore(saved);
    const ratios = after.flatMap((a, i) => Array.from(a, (v, j) => v / Math.max(1e-12, before[i][j]))).sort((x, y) => x - y);
    console.log([epoch + 1, correct / seen, valRunning, valBatch, valPrecise, trainInf,
      ratios[Math.floor(ratios.length / 2)], ratios[ratios.length - 1]].map((v) => (Number.isInteger(v) ? v : v.toFixed(4))).join(','));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
