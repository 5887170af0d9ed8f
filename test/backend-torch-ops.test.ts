// The op names the TypeScript side sends (src/backend/torch/native_ops.ts;
// TorchBinding.op takes only those, so a misspelt one does not compile) are
// exactly the built addon's op table (native/src/ops.cc and ops/), so a name
// missing on either side fails here, not when a kernel first runs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { KERNEL_CONFIGS, loadBinding } from '../src/backend/torch';
import { NATIVE_OPS } from '../src/backend/torch/native_ops';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

test("every op name the TypeScript side sends is in the addon's op table, and the table has no other", { skip: SKIP }, () => {
  const addon = new Set(loadBinding().opNames());
  const sent = new Set<string>(NATIVE_OPS);
  assert.deepEqual([...sent].filter((op) => !addon.has(op)), [], "names in native_ops.ts that the addon's op table lacks");
  assert.deepEqual([...addon].filter((op) => !sent.has(op)), [], "ops of the addon's table that native_ops.ts does not list");
  assert.equal(sent.size, NATIVE_OPS.length, 'native_ops.ts lists a name twice');
});

test("the torch backend registers each kernel once, each under one of tfjs-core's kernel names or dresnet's own", () => {
  const names = KERNEL_CONFIGS.map((c) => c.kernelName);
  assert.equal(new Set(names).size, names.length, 'a kernel registered twice (a table row and a file?)');
  // tfjs-core exports each kernel name as a constant of that name (tf.Abs === 'Abs').
  const tfjsNames = tf as unknown as Record<string, unknown>;
  const unknown = names.filter((n) => !n.startsWith('Dresnet') && tfjsNames[n] !== n);
  assert.deepEqual(unknown, [], 'torch kernels under names tfjs does not have');
});
