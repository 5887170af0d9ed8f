import { TensorInfo } from '@tensorflow/tfjs-core';
import { Scope } from './scope';

/**
 * Where each output row (or column) of tfjs's resizeBilinear and
 * resizeNearestNeighbor reads from, as tfjs-backend-cpu computes it: the two
 * bilinear neighbours with the weight of the second, and the nearest source.
 */
export interface ResizeAxis {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
  nearest: Int32Array;
}

export function resizeAxis(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): ResizeAxis {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const axis = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), frac: new Float32Array(outSize), nearest: new Int32Array(outSize) };
  for (let i = 0; i < outSize; i++) {
    const linear = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    axis.lo[i] = Math.max(0, Math.floor(linear));
    axis.hi[i] = Math.min(inSize - 1, Math.ceil(linear));
    axis.frac[i] = linear - Math.floor(linear);
    const source = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(source) : Math.floor(source));
    axis.nearest[i] = halfPixelCenters ? Math.max(0, nearest) : nearest;
  }
  return axis;
}

/** The rows and columns of an NHWC resize from `inShape` to `size`. */
export function resizeAxes(
  inShape: number[],
  size: [number, number],
  attrs: { alignCorners: boolean; halfPixelCenters: boolean },
): [ResizeAxis, ResizeAxis] {
  return [
    resizeAxis(inShape[1], size[0], attrs.alignCorners, attrs.halfPixelCenters),
    resizeAxis(inShape[2], size[1], attrs.alignCorners, attrs.halfPixelCenters),
  ];
}

/** An index or weight table along NHWC axis 1 or 2, broadcastable against the image. */
export function axisTable(s: Scope, values: Int32Array | Float32Array, axis: 1 | 2): TensorInfo {
  const shape = axis === 1 ? [1, values.length, 1, 1] : [1, 1, values.length, 1];
  return values instanceof Int32Array ? s.values([values.length], 'int32', values) : s.values(shape, 'float32', values);
}

/** a + (b - a) * t, tfjs's interpolation. */
export function lerp(s: Scope, a: TensorInfo, b: TensorInfo, t: TensorInfo): TensorInfo {
  return s.op('Add', [a, s.op('Multiply', [s.op('Sub', [b, a]), t])]);
}

/**
 * The adjoint of a bilinear pass along `axis`: each output slice's gradient
 * goes back to its two source slices, weighted 1 - frac and frac.
 */
export function lerpAdjoint(s: Scope, dy: TensorInfo, table: ResizeAxis, axis: 1 | 2, inSize: number): TensorInfo {
  const frac = axisTable(s, table.frac, axis);
  const toHi = s.op('Multiply', [dy, frac]);
  const toLo = s.op('Sub', [dy, toHi]);
  return s.op('Add', [
    s.indexAdd(toLo, axisTable(s, table.lo, axis), axis, inSize),
    s.indexAdd(toHi, axisTable(s, table.hi, axis), axis, inSize),
  ]);
}
