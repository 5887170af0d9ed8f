// Child process of test/grouped-pointwise-isa.test.ts: the torch backend's
// grouped 1x1 convolutions (forward with bias and clamp, dx, dfilter) and
// dense ones over few pixels (forward) on fixed inputs, printed as JSON. The parent runs it with the AVX-512 tiles
// and with DRESNET_CPU_ISA=avx2, which the addon reads when it loads.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/backend';
import { groupedConv2d, groupedConv2dBackpropFilter, groupedConv2dBackpropInput } from '../../src/ops';
import { GROUPED_POINTWISE_CASES } from './grouped-conv-cases';

function seeded(shape: number[], seed: number): tf.Tensor {
  let state = seed;
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  }), shape);
}

async function main(): Promise<void> {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 2 });
  const out = GROUPED_POINTWISE_CASES.map((c) => tf.tidy(() => {
    const [n, h, w, cin] = c.x;
    const k = c.kernel ?? 1;
    const x = seeded(c.x, 1) as tf.Tensor4D;
    const filter = seeded([k, k, cin / c.groups, c.cout], 2) as tf.Tensor4D;
    const bias = tf.mul(seeded([c.cout], 3), 4) as tf.Tensor1D;
    const y = groupedConv2d(tf.mul(x, 8) as tf.Tensor4D, filter, { strides: c.strides, pad: k === 1 ? 'valid' : 'same', groups: c.groups, bias, activation: 'relu6' });
    if (k !== 1) return [Array.from(y.dataSync())];
    const geo = { strides: [c.strides, c.strides] as [number, number], pad: 'valid' as const, groups: c.groups };
    const dy = seeded(y.shape, 4) as tf.Tensor4D;
    const dx = groupedConv2dBackpropInput(dy, filter, [n, h, w, cin], geo);
    const dFilter = groupedConv2dBackpropFilter(x, dy, [1, 1, cin / c.groups, c.cout], geo);
    return [y, dx, dFilter].map((t) => Array.from(t.dataSync()));
  }));
  process.stdout.write(JSON.stringify(out));
}

void main();
