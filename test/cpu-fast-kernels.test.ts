import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FAST_CPU_KERNELS, originalCpuKernel, registerFastCpuKernels } from '../src/backend/cpu';
import { createRng } from '../src/util/rng';

/**
 * Each fast cpu kernel (src/backend/cpu) against tfjs-backend-cpu's own
 * kernel, on seeded random inputs over a grid of shapes, strides, paddings,
 * dilations and channel multipliers, including the cases the fast kernels
 * hand back to tfjs (NCHW, dilated depthwise gradients, int32).
 */
tf.setBackend('cpu');
registerFastCpuKernels();
const backend = tf.backend() as MathBackendCPU;

/** Largest error allowed, relative to the largest magnitude in tfjs's result (float64 vs float32 sums). */
const TOLERANCE = 1e-5;

const maxErrors = new Map<string, number>();

let seed = 1;
function random(shape: number[], opts: { dtype?: 'float32' | 'int32'; min?: number; sparse?: boolean } = {}): tf.Tensor {
  const next = createRng(seed++);
  const size = shape.reduce((a, b) => a * b, 1);
  const min = opts.min ?? -1;
  if (opts.dtype === 'int32') return tf.tensor(Int32Array.from({ length: size }, () => Math.floor(next() * 19) - 9), shape, 'int32');
  // sparse: about a third zeros, as after a ReLU.
  return tf.tensor(Float32Array.from({ length: size }, () => (opts.sparse && next() < 0.33 ? 0 : min + (1 - min) * next())), shape);
}

function read(out: tf.TensorInfo): { shape: number[]; dtype: string; values: number[] } {
  const values = Array.from(backend.readSync(out.dataId) as ArrayLike<number>);
  const result = { shape: out.shape.slice(), dtype: out.dtype, values };
  backend.disposeData(out.dataId);
  return result;
}

/** Runs the registered (fast) kernel and tfjs's original on the same inputs and compares the results. */
function compare(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, label: string): void {
  const fast = tf.getKernel(kernelName, 'cpu');
  assert.ok(fast, kernelName);
  const args = { inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0];
  const outs = [fast.kernelFunc(args)].flat().map(read);
  const refs = [originalCpuKernel(kernelName)(args)].flat().map(read);
  assert.equal(outs.length, refs.length, `${label}: number of outputs`);
  outs.forEach((out, i) => {
    const ref = refs[i];
    assert.deepEqual(out.shape, ref.shape, `${label}: shape`);
    assert.equal(out.dtype, ref.dtype, `${label}: dtype`);
    // NaN and +-Infinity must match exactly; finite values within TOLERANCE of the largest finite one.
    ref.values.forEach((r, k) => {
      if (!Number.isFinite(r)) assert.ok(Object.is(out.values[k], r), `${label}: element ${k} is ${out.values[k]}, tfjs ${r}`);
    });
    const scale = ref.values.reduce((m, r) => (Number.isFinite(r) ? Math.max(m, Math.abs(r)) : m), 1e-30);
    let err = 0;
    for (let k = 0; k < ref.values.length; k++) {
      if (Number.isFinite(ref.values[k])) err = Math.max(err, Math.abs(out.values[k] - ref.values[k]) / scale);
    }
    maxErrors.set(kernelName, Math.max(maxErrors.get(kernelName) ?? 0, err));
    assert.ok(err <= TOLERANCE, `${label}: max error ${err} (relative to ${scale}) > ${TOLERANCE}`);
  });
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Geometry { strides: [number, number]; pad: Pad; dilations: [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' }

const PADS: Pad[] = ['same', 'valid', 1, [[0, 0], [1, 2], [0, 1], [0, 0]]];
const STRIDES: [number, number][] = [[1, 1], [2, 2], [1, 2], [3, 2]];
const DILATIONS: [number, number][] = [[1, 1], [2, 2], [2, 1]];
const FILTERS: [number, number][] = [[1, 1], [3, 3], [2, 3], [7, 7]];
const INPUTS: [number, number][] = [[8, 8], [7, 5], [9, 10]];

/** The geometries tfjs's ops allow (strides or dilations 1; a numeric pad with a rounding mode). */
function* geometries(): Generator<Geometry> {
  for (const strides of STRIDES) {
    for (const pad of PADS) {
      for (const dilations of DILATIONS) {
        if (Math.max(...strides) > 1 && Math.max(...dilations) > 1) continue;
        yield { strides, pad, dilations, dimRoundingMode: typeof pad === 'number' ? 'ceil' : undefined };
      }
    }
  }
}

/** The conv geometry of an input and filter (NHWC), or undefined where the output would be empty. */
function convInfo(x: number[], f: number[], g: Geometry, depthwise: boolean): tf.backend_util.Conv2DInfo | undefined {
  try {
    const info = tf.backend_util.computeConv2DInfo(
      x as [number, number, number, number], f as [number, number, number, number], g.strides, g.dilations, g.pad, g.dimRoundingMode, depthwise,
    );
    return info.outHeight > 0 && info.outWidth > 0 ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every input size x filter size x channel pair (in, out or multiplier) x
 * geometry of the grid that gives a non-empty output, with its shapes.
 */
function* convCases(channels: number[][], depthwise: boolean) {
  for (const [h, w] of INPUTS) {
    for (const [fh, fw] of FILTERS) {
      for (const [cin, cout] of channels) {
        for (const g of geometries()) {
          const xShape = [2, h, w, cin];
          const fShape = [fh, fw, cin, cout];
          const info = convInfo(xShape, fShape, g, depthwise);
          if (info) yield { xShape, fShape, g, info };
        }
      }
    }
  }
}

function label(name: string, x: number[], f: number[], g: Geometry): string {
  return `${name} x=[${x}] f=[${f}] strides=[${g.strides}] pad=${JSON.stringify(g.pad)} dilations=[${g.dilations}]`;
}

test('Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput match tfjs-backend-cpu (NHWC grid)', () => {
  let cases = 0;
  for (const { xShape, fShape, g, info } of convCases([[3, 5], [4, 1], [1, 6]], false)) {
    tf.tidy(() => {
      const x = random(xShape, { sparse: true });
      const filter = random(fShape);
      const conv = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', dilations: g.dilations, dimRoundingMode: g.dimRoundingMode };
      compare(tf.Conv2D, { x, filter }, conv, label('Conv2D', xShape, fShape, g));
      if (Math.max(...g.dilations) > 1) return; // the gradient kernels have no dilations
      const dy = random(info.outShape);
      const grad = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: g.dimRoundingMode };
      compare(tf.Conv2DBackpropFilter, { x, dy }, { ...grad, filterShape: fShape }, label('Conv2DBackpropFilter', xShape, fShape, g));
      compare(tf.Conv2DBackpropInput, { dy, filter }, { ...grad, inputShape: xShape }, label('Conv2DBackpropInput', xShape, fShape, g));
    });
    cases++;
  }
  assert.ok(cases > 300, `${cases} cases`);
});

test('DepthwiseConv2dNative and its two gradients match tfjs-backend-cpu (channel multipliers 1 and 2)', () => {
  let cases = 0;
  for (const { xShape, fShape, g, info } of convCases([[4, 1], [3, 2], [1, 3]], true)) {
    tf.tidy(() => {
      const x = random(xShape, { sparse: true });
      const filter = random(fShape);
      const attrs = { strides: g.strides, pad: g.pad, dilations: g.dilations, dimRoundingMode: g.dimRoundingMode };
      compare(tf.DepthwiseConv2dNative, { x, filter }, { ...attrs, dataFormat: 'NHWC' }, label('DepthwiseConv2dNative', xShape, fShape, g));
      // Dilated gradients go back to tfjs's kernels (compared all the same).
      const dy = random(info.outShape);
      compare(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, filterShape: fShape },
        label('DepthwiseConv2dNativeBackpropFilter', xShape, fShape, g));
      compare(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...attrs, inputShape: xShape },
        label('DepthwiseConv2dNativeBackpropInput', xShape, fShape, g));
    });
    cases++;
  }
  assert.ok(cases > 300, `${cases} cases`);
});

test('NaN and Infinity propagate as in tfjs (0 * Infinity is NaN: no skipping of zero inputs)', () => {
  tf.tidy(() => {
    const x = tf.tensor4d([0, 1, 0, 2, 0, 0, 3, 0], [1, 2, 2, 2]);
    const filter = tf.tensor4d([Infinity, 1, 2, NaN, 0, 1, 1, 0], [1, 1, 2, 4]);
    compare(tf.Conv2D, { x, filter }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 }, 'Conv2D with Infinity and NaN');
    const dy = tf.tensor4d([Infinity, 1, 0, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 3, NaN], [1, 2, 2, 4]);
    compare(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 2, 4] }, 'Conv2DBackpropFilter with Infinity and NaN');
    compare(tf.BatchMatMul, { a: tf.tensor3d([0, 1, 2, 0], [1, 2, 2]), b: tf.tensor3d([Infinity, 1, NaN, 2], [1, 2, 2]) },
      { transposeA: false, transposeB: false }, 'BatchMatMul with Infinity and NaN');
  });
});

test('NCHW convolutions and int32 inputs go to tfjs-backend-cpu unchanged', () => {
  tf.tidy(() => {
    const x = random([2, 3, 6, 5]);
    const filter = random([3, 3, 3, 4]);
    const attrs = { strides: [1, 2], pad: 'same', dataFormat: 'NCHW', dilations: [1, 1] };
    compare(tf.Conv2D, { x, filter }, attrs, 'Conv2D NCHW');
    const dy = random([2, 4, 6, 3]);
    compare(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: [3, 3, 3, 4] }, 'Conv2DBackpropFilter NCHW');
    compare(tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: [2, 3, 6, 5] }, 'Conv2DBackpropInput NCHW');
    const a = random([2, 1, 3], { dtype: 'int32' });
    const b = random([4, 1], { dtype: 'int32' });
    for (const name of [tf.Add, tf.Sub, tf.Multiply]) compare(name, { a, b }, {}, `${name} int32`);
  });
});

test('MaxPoolGrad and AvgPoolGrad match tfjs-backend-cpu (ties, padding, rounding modes)', () => {
  let cases = 0;
  const pads: { pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' }[] = [
    { pad: 'same' }, { pad: 'valid' }, { pad: 1, dimRoundingMode: 'ceil' }, { pad: 1, dimRoundingMode: 'floor' }, { pad: 0, dimRoundingMode: 'round' },
  ];
  for (const [h, w] of INPUTS) {
    for (const filterSize of [2, 3, [2, 3]] as (number | [number, number])[]) {
      for (const strides of [1, 2, [2, 1]] as (number | [number, number])[]) {
        for (const { pad, dimRoundingMode } of pads) {
          const xShape = [2, h, w, 5];
          let info: tf.backend_util.Conv2DInfo;
          try {
            info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
          } catch {
            continue;
          }
          if (info.outHeight <= 0 || info.outWidth <= 0) continue;
          tf.tidy(() => {
            // Values on a coarse grid with a third zeros (after a ReLU): many ties within a window.
            const input = tf.round(tf.mul(random(xShape, { sparse: true }), 3));
            const dy = random(info.outShape);
            const attrs = { filterSize, strides, pad, dimRoundingMode };
            const name = `[${xShape}] filter ${filterSize} strides ${strides} pad ${pad} ${dimRoundingMode ?? ''}`;
            const output = tf.getKernel(tf.MaxPool, 'cpu')!.kernelFunc({ inputs: { x: input }, backend, attrs } as never) as tf.TensorInfo;
            compare(tf.MaxPoolGrad, { dy, input, output: tf.engine().makeTensorFromTensorInfo(output) }, attrs, `MaxPoolGrad ${name}`);
            // tfjs's AvgPool gradient has no dimRoundingMode: its dy has the geometry without one.
            const avgInfo = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], filterSize, strides, 1, pad);
            compare(tf.AvgPoolGrad, { dy: random(avgInfo.outShape), input }, { filterSize, strides, pad }, `AvgPoolGrad ${name}`);
          });
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 80, `${cases} cases`);
});

test('BatchMatMul matches tfjs-backend-cpu (transposes, batch broadcasting, sizes past its block of 48)', () => {
  const cases: [number[], number[]][] = [
    [[4, 72, 24], [4, 24, 24]], [[3, 5], [5, 7]], [[2, 3, 5, 4], [2, 3, 4, 6]], [[1, 5, 4], [3, 4, 6]], [[3, 5, 4], [1, 4, 6]],
    [[2, 60, 70], [2, 70, 50]], [[1, 1], [1, 9]],
  ];
  for (const [aShape, bShape] of cases) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
        tf.tidy(() => {
          const a = random(swap(aShape, transposeA), { sparse: true });
          const b = random(swap(bShape, transposeB));
          compare(tf.BatchMatMul, { a, b }, { transposeA, transposeB }, `BatchMatMul [${aShape}] [${bShape}] tA ${transposeA} tB ${transposeB}`);
        });
      }
    }
  }
});

const BROADCASTS: [number[], number[]][] = [
  [[2, 3, 4, 5], [1, 1, 1, 5]], [[1, 1, 1, 5], [2, 3, 4, 5]], [[2, 3, 4, 5], [2, 1, 1, 5]], [[2, 3, 4, 5], [5]],
  [[5], [2, 3, 1, 1]], [[2, 1, 4], [3, 1]], [[], [2, 3]], [[2, 3], []], [[2, 3], [2, 3]], [[1], []], [[3, 1, 2, 1, 3], [2, 1, 2, 1]],
  [[0, 3], [1, 3]],
];

test('Add, Sub, Multiply, RealDiv with broadcasting match tfjs-backend-cpu', () => {
  for (const [aShape, bShape] of BROADCASTS) {
    tf.tidy(() => {
      const a = random(aShape);
      const b = random(bShape, { min: 0.5 }); // away from 0 for RealDiv
      for (const name of [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv]) compare(name, { a, b }, {}, `${name} [${aShape}] [${bShape}]`);
    });
  }
});

test('Transpose matches tfjs-backend-cpu (ranks 1-6, float32, int32, bool)', () => {
  const cases: [number[], number[]][] = [
    [[5], [0]], [[3, 4], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [3, 0, 1, 2]], [[2, 3, 4, 5], [1, 3, 2, 0]],
    [[648, 4, 6], [1, 0, 2]], [[2, 1, 3, 2, 2], [4, 2, 0, 3, 1]], [[2, 2, 1, 3, 2, 2], [5, 1, 3, 0, 4, 2]], [[0, 3], [1, 0]],
  ];
  for (const [shape, perm] of cases) {
    tf.tidy(() => {
      compare(tf.Transpose, { x: random(shape) }, { perm }, `Transpose [${shape}] [${perm}]`);
      compare(tf.Transpose, { x: random(shape, { dtype: 'int32' }) }, { perm }, `Transpose int32 [${shape}] [${perm}]`);
      compare(tf.Transpose, { x: tf.greater(random(shape), 0) }, { perm }, `Transpose bool [${shape}] [${perm}]`);
    });
  }
});

test('Tile matches tfjs-backend-cpu (broadcastTo shapes, ranks 1-5, float32, int32, bool)', () => {
  const cases: [number[], number[]][] = [
    [[1, 1, 1, 48], [16, 5, 5, 1]], [[16, 1, 1, 24], [1, 3, 3, 1]], [[3], [4]], [[2, 3], [2, 1]], [[2, 3], [1, 3]], [[2, 1, 3], [2, 4, 2]],
    [[1, 2, 1, 2, 3], [2, 1, 3, 1, 2]], [[2, 3], [0, 2]], [[2, 2], [1, 1]],
  ];
  for (const [shape, reps] of cases) {
    tf.tidy(() => {
      compare(tf.Tile, { x: random(shape) }, { reps }, `Tile [${shape}] reps [${reps}]`);
      compare(tf.Tile, { x: random(shape, { dtype: 'int32' }) }, { reps }, `Tile int32 [${shape}] reps [${reps}]`);
      compare(tf.Tile, { x: tf.greater(random(shape), 0) }, { reps }, `Tile bool [${shape}] reps [${reps}]`);
    });
  }
});

test('Sum and Mean over any axes match tfjs-backend-cpu', () => {
  const cases: [number[], number | number[] | null][] = [
    [[2, 3, 4, 5], [0, 1, 2]], [[2, 3, 4, 5], [3]], [[2, 3, 4, 5], [1, 3]], [[2, 3, 4, 5], [0]], [[2, 3, 4, 5], null],
    [[2, 3, 4, 5], []], [[2, 3, 4, 5], -1], [[2, 3, 4, 5], [1, 2]], [[7], 0], [[3, 4], [0, 1]], [[8, 9, 9, 24], [0, 1, 2]],
  ];
  for (const [shape, axis] of cases) {
    for (const keepDims of [false, true]) {
      tf.tidy(() => {
        const x = random(shape);
        compare(tf.Sum, { x }, { axis, keepDims }, `Sum [${shape}] axis ${axis} keepDims ${keepDims}`);
        compare(tf.Mean, { x }, { axis, keepDims }, `Mean [${shape}] axis ${axis} keepDims ${keepDims}`);
        compare(tf.Sum, { x: random(shape, { dtype: 'int32' }) }, { axis, keepDims }, `Sum int32 [${shape}] axis ${axis}`);
      });
    }
  }
});

test('Slice and SplitV match tfjs-backend-cpu', () => {
  const slices: [number[], number[], number[]][] = [
    [[2, 3, 4, 5], [0, 1, 1, 2], [2, 2, 3, 3]], [[2, 3, 4, 5], [1, 0, 0, 0], [1, 3, 4, 5]], [[2, 3, 4, 5], [0, 0, 0, 1], [-1, -1, -1, 2]],
    [[6], [2], [3]], [[4, 6], [1, 0], [2, 6]], [[3, 4, 5], [0, 2, 0], [3, 0, 5]],
  ];
  for (const [shape, begin, size] of slices) {
    tf.tidy(() => {
      compare(tf.Slice, { x: random(shape) }, { begin, size }, `Slice [${shape}] ${begin} ${size}`);
      compare(tf.Slice, { x: random(shape, { dtype: 'int32' }) }, { begin, size }, `Slice int32 [${shape}] ${begin} ${size}`);
    });
  }
  const splits: [number[], number | number[], number][] = [
    [[8, 3, 3, 96], [48, 48], 3], [[8, 3, 3, 96], 3, -1], [[2, 6, 4], [1, -1, 2], 1], [[6, 4], 2, 0], [[2, 5, 3], [2, 0, 3], 1],
  ];
  for (const [shape, numOrSizeSplits, axis] of splits) {
    tf.tidy(() => compare(tf.SplitV, { x: random(shape) }, { numOrSizeSplits, axis }, `SplitV [${shape}] ${numOrSizeSplits} axis ${axis}`));
  }
});

test('every fast kernel was compared; largest errors', (t) => {
  for (const k of FAST_CPU_KERNELS) assert.ok(maxErrors.has(k.kernelName), `${k.kernelName} was not compared`);
  t.diagnostic([...maxErrors].map(([name, err]) => `${name}: ${err.toExponential(2)}`).join(', '));
});
