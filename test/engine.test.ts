// src/engine/ reads tfjs internals (engine.gradients and its tape,
// LayersModel.nodesByDepth, MomentumOptimizer's fields): these fail loudly on
// a tfjs other than the one it was written for, and when one of those
// internals is gone. And the freeing backprop is installed by an explicit call
// at backend setup, not by importing src/ops.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../src/backend';
import { TFJS_INTERNALS_VERSION, layerCalls, momentumFields } from '../src/engine';

test(`tfjs is ${TFJS_INTERNALS_VERSION}, the version whose internals src/engine/ reads`, () => {
  const installed: Array<[string, string]> = [
    ['@tensorflow/tfjs-core', tf.version_core],
    ['@tensorflow/tfjs-layers', tfl.version_layers],
    ['@tensorflow/tfjs-backend-cpu', version_cpu],
  ];
  for (const [pkg, version] of installed) {
    assert.equal(version, TFJS_INTERNALS_VERSION,
      `${pkg} is ${version}, but src/engine/ was written against tfjs ${TFJS_INTERNALS_VERSION}'s internals ` +
      "(engine.gradients and its tape, LayersModel.nodesByDepth, MomentumOptimizer's fields): check each file of " +
      'src/engine/ against the new version, then change TFJS_INTERNALS_VERSION in src/engine/index.ts');
  }
});

/** The engine's members backprop.ts uses. */
interface TapeEngine {
  state: { activeTape: Array<Record<string, unknown>> | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  nextTensorId(): number;
  gradients: unknown;
}

test("the engine's tape is as backprop.ts reads it: nodes with id, kernelName, inputs, outputs, saved, gradient", async () => {
  await selectBackend({ backend: 'cpu', device: 'cpu', threads: 1 });
  const engine = tf.engine() as unknown as TapeEngine;
  for (const member of ['scopedRun', 'startTape', 'endTape', 'nextTensorId', 'tidy'] as const) {
    assert.equal(typeof (engine as unknown as Record<string, unknown>)[member], 'function', `engine.${member}`);
  }
  assert.equal(typeof Object.getPrototypeOf(engine).gradients, 'function', "tfjs's own engine.gradients");
  assert.equal(engine.state.gradientDepth, 0);
  const x = tf.scalar(3);
  const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => tf.square(x));
  const tape = engine.state.activeTape!;
  try {
    const node = tape.find((n) => n.kernelName === 'Square');
    assert.ok(node !== undefined, `a Square node on the tape, got ${tape.map((n) => n.kernelName)}`);
    assert.equal(typeof node.id, 'number');
    assert.deepEqual(node.inputs, { x });
    assert.deepEqual(node.outputs, [y]);
    assert.ok(Array.isArray(node.saved), 'saved tensors');
    assert.equal(typeof node.gradient, 'function');
  } finally {
    tf.dispose([x, y, ...tape.flatMap((node) => node.saved as tf.Tensor[])]);
    engine.state.activeTape = null;
  }
});

test("a functional model's nodesByDepth gives layerCalls every layer call, input layers left out, deepest first", () => {
  const input = tfl.input({ shape: [4] });
  const hidden = tfl.layers.dense({ units: 3, name: 'hidden' }).apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 2, name: 'out' }).apply(hidden) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const calls = layerCalls(model);
  assert.deepEqual(calls.map((c) => c.outboundLayer.name), ['hidden', 'out']);
  assert.deepEqual(calls.map((c) => [c.inputTensors.map((t) => t.id), c.outputTensors.map((t) => t.id)]), [[[input.id], [hidden.id]], [[hidden.id], [output.id]]]);
  model.dispose();
});

test("MomentumOptimizer's fields are where momentumFields reads them", () => {
  const optimizer = new tf.MomentumOptimizer(0.25, 0.9, true);
  const fields = momentumFields(optimizer);
  assert.deepEqual([fields.learningRate, fields.momentum, fields.useNesterov], [0.25, 0.9, true]);
  const v = tf.variable(tf.ones([2]), true, 'engine_test_v');
  const gradient = tf.ones([2]);
  optimizer.applyGradients([{ name: 'engine_test_v', tensor: gradient }]);
  assert.equal(fields.accumulations[0]?.originalName, 'engine_test_v/momentum');
  assert.ok(fields.accumulations[0]?.variable instanceof tf.Variable);
  optimizer.dispose();
  tf.dispose([v, gradient]);
});

test('importing src/ops leaves engine.gradients alone; selectBackend installs the freeing backprop', () => {
  // A fresh process: here the tests above have already selected a backend.
  const dist = path.join(__dirname, '..', 'src');
  const script = `
    const tf = require('@tensorflow/tfjs-core');
    require(${JSON.stringify(path.join(dist, 'ops'))});
    const engine = tf.engine();
    const tfjs = Object.getPrototypeOf(engine).gradients;
    const afterImport = engine.gradients === tfjs;
    require(${JSON.stringify(path.join(dist, 'backend'))}).selectBackend({ backend: 'cpu', device: 'cpu', threads: 1 })
      .then(() => console.log(JSON.stringify({ afterImport, afterSetup: engine.gradients === tfjs })));`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..') });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { afterImport: true, afterSetup: false },
    "importing src/ops must leave tfjs's engine.gradients in place, and selectBackend must replace it");
});
