// The zoo's Dropout (src/models/layers/dropout.ts) against tfjs-layers' own:
// the same values bit for bit under the same Math.random (so MobileNet v2's
// committed runs are unchanged by it), a new mask per seed, the identity in
// inference, and the same serialized config under the same class name.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src/backend';
import { Dropout } from '../src/models/layers/dropout';
import { withSeededMathRandom } from '../src/util/rng';

function bits(t: tf.Tensor): Buffer {
  return Buffer.from(new Float32Array(t.dataSync()).buffer);
}

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

// The torch backend: the one the committed runs trained on.
test("Dropout gives tfjs-layers' Dropout's values bit for bit, a new mask per seed, and the identity in inference", { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const x = tf.randomUniform([8, 64], -1, 1, 'float32', 3);
  const ours = new Dropout({ rate: 0.2 });
  const theirs = tfl.layers.dropout({ rate: 0.2 });
  const apply = (layer: tfl.layers.Layer, seed: number, training: boolean) =>
    withSeededMathRandom([seed], () => layer.apply(x, { training }) as tf.Tensor);
  const [a, b, c] = [apply(ours, 1, true), apply(theirs, 1, true), apply(ours, 2, true)];
  assert.ok(bits(a).equals(bits(b)));
  assert.ok(!bits(a).equals(bits(c)), 'another seed draws another mask');
  const dropped = Array.from(a.dataSync()).filter((v) => v === 0).length;
  assert.ok(dropped > 40 && dropped < 200, `about a fifth of 512 dropped, not ${dropped}`);
  assert.ok(bits(apply(ours, 1, false)).equals(bits(x)));
  tf.dispose([x, a, b, c]);
});

test("Dropout serializes as tfjs-layers' Dropout does", () => {
  const ours = new Dropout({ rate: 0.3, name: 'head.dropout' });
  const theirs = tfl.layers.dropout({ rate: 0.3, name: 'head.dropout' });
  assert.equal(ours.getClassName(), theirs.getClassName());
  const written = (layer: tfl.layers.Layer) => JSON.parse(JSON.stringify(layer.getConfig()));
  assert.deepEqual(written(ours), written(theirs));
  const input = tfl.input({ shape: [4] });
  const model = tfl.model({ inputs: input, outputs: theirs.apply(input) as tfl.SymbolicTensor });
  const loaded = tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as tfl.ModelAndWeightsConfig);
  return loaded.then((m) => assert.ok(m.layers[1] instanceof Dropout, 'a saved Dropout loads as the zoo one'));
});
