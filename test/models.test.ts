import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { BatchNorm, ReLU6, createModel, listModels, modelOptionsFromConfig, modelStats, resolveModelOptions } from '../src/models';
import { UserError } from '../src/util/errors';
import { runConfigSchema } from '../src/config/run-config';

tf.setBackend('cpu');

const EXPECTED_PARAMS: Record<string, number> = {
  resnet18: 11_689_512,
  resnet50: 25_557_032,
  mobilenet_v1: 4_231_976,
  mobilenet_v2: 3_504_872,
  shufflenet_v2: 2_278_604,
};
const EXPECTED_GMACS: Record<string, number> = { resnet50: 4.09, resnet18: 1.82, mobilenet_v2: 0.30, mobilenet_v1: 0.57, shufflenet_v1: 0.14 };

/** Builds each 1000-class, 224-px model once for the size tests. */
const stats = new Map(listModels().map((name) => [name, modelStats(createModel(name))]));

for (const [name, params] of Object.entries(EXPECTED_PARAMS)) {
  test(`${name} has exactly ${params} trainable parameters at 1000 classes`, () => {
    assert.equal(stats.get(name)!.trainableParams, params);
  });
}

test('shufflenet_v1 (g=3, 1x) is within 1% of 1,865,728 trainable parameters', () => {
  const p = stats.get('shufflenet_v1')!.trainableParams;
  assert.ok(Math.abs(p / 1_865_728 - 1) < 0.01, `got ${p}`);
});

for (const [name, gmacs] of Object.entries(EXPECTED_GMACS)) {
  test(`${name} MACs at 224 are within 3% of ${gmacs} G`, () => {
    const got = stats.get(name)!.macs / 1e9;
    assert.ok(Math.abs(got / gmacs - 1) < 0.03, `got ${got.toFixed(4)} G`);
  });
}

test('DResNet at 1000 classes is 10.7 MiB of float32 weights, within 5%', () => {
  const s = stats.get('dresnet')!;
  assert.ok(Math.abs(s.mib / 10.7 - 1) <= 0.05, `got ${s.mib.toFixed(3)} MiB`);
  assert.equal(s.bytes, s.totalParams * 4);
  assert.ok(s.totalParams > s.trainableParams, 'BN running statistics count in the total');
});

test('DResNet follows Table 1: 112 → 57 (ceil-mode pool) → 29 → 15 → 8', () => {
  const model = createModel('dresnet', { numClasses: 7 });
  const side = (layer: string): number | null => (model.getLayer(layer).outputShape as number[])[1];
  assert.deepEqual(['conv1.act', 'pool1', 'mb1.out', 'db1.0.out', 'mb2.out', 'db2.1.out', 'mb3.out', 'db3.3.out', 'mb4.out', 'db4.1.out'].map(side),
    [112, 57, 57, 57, 29, 29, 15, 15, 8, 8]);
  assert.throws(() => model.getLayer('db3.4.out'), 'stage 3 has exactly 4 DRes_Blocks');
});

/** A forward pass on a small batch: [batch, classes], rows summing to 1. */
function checkForward(model: tfl.LayersModel, size: number, classes: number): void {
  const batch = 2;
  tf.tidy(() => {
    const y = model.predict(tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1)) as tf.Tensor;
    assert.deepEqual(y.shape, [batch, classes]);
    const sums = tf.sum(y, 1).dataSync();
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-4, `row sums to ${s}`);
    assert.ok(tf.all(tf.isFinite(y)).dataSync()[0] === 1);
  });
}

for (const name of listModels()) {
  test(`${name} builds and runs a forward pass at 64 px with 5 classes`, () => {
    const model = createModel(name, { numClasses: 5, inputSize: 64 });
    checkForward(model, 64, 5);
    model.dispose();
  });
}

const ABLATIONS: Array<Record<string, unknown>> = [
  { conv3x3: 'standard' },
  { pointwise: 'dense' },
  { multiScale: false },
  { se: false },
  { groups: 2 },
  { squeeze: 0.5 },
  { split: 0.25 },
  { split: 0 },
  { split: 1 },
  { seRatio: 0.25 },
  { width: 0.5 },
  { width: 0.25 },
  { stageWidths: [32, 64, 96, 128] },
];

for (const switches of ABLATIONS) {
  test(`dresnet ${JSON.stringify(switches)} builds and runs a forward pass`, () => {
    const model = createModel('dresnet', { ...switches, numClasses: 3, inputSize: 32 });
    checkForward(model, 32, 3);
    model.dispose();
  });
}

test('the ablation switches change the model they claim to change', () => {
  const layers = (opts: Record<string, unknown>): string[] => createModel('dresnet', { ...opts, numClasses: 3, inputSize: 32 }).layers.map((l) => l.name);
  const base = layers({});
  assert.ok(base.includes('db1.0.path3x3.dw.conv') && base.includes('db1.0.path1x1.conv') && base.includes('db1.0.se.fc1'));
  assert.ok(layers({ conv3x3: 'standard' }).includes('db1.0.path3x3.conv3x3.conv'));
  assert.ok(!layers({ multiScale: false }).includes('db1.0.path1x1.conv'));
  assert.ok(!layers({ se: false }).some((n) => n.includes('.se.')));
  const small = modelStats(createModel('dresnet', { numClasses: 3, inputSize: 32 })).trainableParams;
  const dense = modelStats(createModel('dresnet', { pointwise: 'dense', numClasses: 3, inputSize: 32 })).trainableParams;
  assert.ok(dense > small, 'dense 1x1 convs have more parameters than grouped ones');
});

test('width multipliers shrink ResNet-50 and DResNet', () => {
  for (const name of ['resnet50', 'dresnet']) {
    const sizes = [1, 0.5, 0.25].map((width) => modelStats(createModel(name, { width })).trainableParams);
    assert.ok(sizes[0] > sizes[1] && sizes[1] > sizes[2], `${name}: ${sizes}`);
  }
});

test('registry: unknown model, unknown option, wrong type, undefined dropped, glob', () => {
  assert.throws(() => createModel('resnet34'), (e: unknown) => e instanceof UserError && /unknown model "resnet34".*dresnet.*resnet50/.test(e.message));
  assert.throws(() => createModel('resnet18', { groups: 4 }), (e: unknown) => e instanceof UserError && /resnet18 does not take option "groups"/.test(e.message));
  assert.throws(() => createModel('dresnet', { se: 'yes' }), (e: unknown) => e instanceof UserError && /"se": expected a boolean/.test(e.message));
  assert.throws(() => createModel('dresnet', { conv3x3: 'dilated' }), (e: unknown) => e instanceof UserError && /conv3x3/.test(e.message));
  assert.throws(() => createModel('dresnet', { stageWidths: [30, 60, 90, 120] }), (e: unknown) => e instanceof UserError && /multiples of groups/.test(e.message));
  assert.equal(resolveModelOptions('dresnet', { groups: undefined, numClasses: 7 }).groups, 4);
  assert.deepEqual(listModels('resnet*'), ['resnet18', 'resnet50']);
  assert.deepEqual(listModels('shufflenet_v?'), ['shufflenet_v1', 'shufflenet_v2']);
});

test('modelOptionsFromConfig passes the config switches and lets family defaults fill the rest', () => {
  const config = runConfigSchema.parse({ model: { name: 'dresnet', se: false, split: 0.25 } }, '');
  const options = resolveModelOptions('dresnet', modelOptionsFromConfig(config.model, 7, 64));
  assert.equal(options.se, false);
  assert.equal(options.split, 0.25);
  assert.equal(options.numClasses, 7);
  assert.equal(options.inputSize, 64);
  assert.equal(options.groups, 4);
  const plain = runConfigSchema.parse({ model: { name: 'resnet18' } }, '');
  assert.equal(resolveModelOptions('resnet18', modelOptionsFromConfig(plain.model, 2, 32)).numClasses, 2);
});

test('BatchNorm: batch statistics in training, running stats moved by momentum 0.1 with unbiased variance, used at inference', () => {
  const input = tfl.input({ shape: [3] });
  const layer = new BatchNorm({ epsilon: 1e-3 });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  const x = tf.tensor2d([[1, 2, 3], [3, 6, -3], [5, 1, 0], [7, 3, 4]]);
  const { mean, variance } = tf.moments(x, 0);
  const trained = model.apply(x, { training: true }) as tf.Tensor;
  assert.ok(maxDiff(trained, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3)))) < 1e-5);
  const [, , movingMean, movingVar] = layer.getWeights();
  assert.ok(maxDiff(movingMean, tf.mul(mean, 0.1)) < 1e-6);
  assert.ok(maxDiff(movingVar, tf.add(0.9, tf.mul(variance, 0.1 * 4 / 3))) < 1e-5);
  const inferred = model.predict(x) as tf.Tensor;
  assert.ok(maxDiff(inferred, tf.div(tf.sub(x, movingMean), tf.sqrt(tf.add(movingVar, 1e-3)))) < 1e-5);
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

test('training-mode BN uses batch statistics and updates the running ones; the model gets gradients', () => {
  const model = createModel('dresnet', { numClasses: 3, inputSize: 32, width: 0.25 });
  const bn = model.getLayer('conv1.bn');
  const movingMean = (): Float32Array => bn.getWeights()[2].dataSync() as Float32Array;
  const before = movingMean().slice();
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
  const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const { value, grads } = tf.variableGrads(() => {
    const y = model.apply(x, { training: true }) as tf.Tensor;
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.add(y, 1e-7))), 1))) as tf.Scalar;
  });
  assert.ok(Number.isFinite(value.dataSync()[0]));
  const after = movingMean();
  assert.ok(after.some((v, i) => Math.abs(v - before[i]) > 1e-6), 'moving mean did not move');
  for (const layer of ['db1.0.squeeze3x3.conv', 'db1.0.path3x3.dw.conv', 'conv1.bn']) {
    const weight = model.getLayer(layer).trainableWeights[0];
    const grad = grads[weight.name];
    assert.ok(grad && tf.max(tf.abs(grad)).dataSync()[0] > 0, `no gradient reached ${weight.name}`);
  }
});

test('ReLU6 layer = tfjs-layers ReLU({maxValue: 6}), forward and gradient, at 0 and 6 too', () => {
  const x = tf.tensor1d([-3, -1e-7, 0, 1e-7, 2.5, 6 - 1e-6, 6, 6 + 1e-6, 9]);
  const ours = new ReLU6({});
  const theirs = tfl.layers.reLU({ maxValue: 6 });
  const apply = (layer: tfl.layers.Layer) => (t: tf.Tensor) => tf.mul(layer.apply(t) as tf.Tensor, tf.range(1, 10));
  assert.deepEqual(Array.from((ours.apply(x) as tf.Tensor).dataSync()), Array.from((theirs.apply(x) as tf.Tensor).dataSync()));
  assert.deepEqual(Array.from(tf.grad(apply(ours))(x).dataSync()), Array.from(tf.grad(apply(theirs))(x).dataSync()));
});

for (const [name, options] of [['dresnet', { width: 0.25 }], ['shufflenet_v2', { width: 0.5 }], ['mobilenet_v2', { width: 0.35 }]] as const) {
  test(`${name} saves and loads as tfjs model files (custom layers serialise)`, async () => {
    const model = createModel(name, { ...options, numClasses: 4, inputSize: 32 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
    const diff = tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor))).dataSync()[0];
    assert.ok(diff < 1e-5, `predictions differ by ${diff}`);
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), model.layers.map((l) => l.getClassName()));
    assert.equal(modelStats(loaded).totalParams, modelStats(model).totalParams);
  });
}
