import { Sum, SumAttrs, TensorInfo, backend_util, util } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FastCpuKernel, float32Values, rowMajorStrides, walkRows } from '../kernel_utils';

/**
 * Sums of a float32 tensor over `axes`, in float64, with the output's shape
 * (reduced dimensions dropped, or kept as 1 under keepDims). tfjs transposes
 * the reduced axes innermost first (per element, through indexToLoc); here
 * the input is walked in place and each element added to its output slot
 * (output strides 0 along the reduced axes). Batch norm's per-channel sums
 * over N, H, W are the common case.
 */
export function sumOverAxes(backend: MathBackendCPU, x: TensorInfo, axes: number[], keepDims: boolean): { sums: Float64Array; shape: number[] } {
  const [reducedShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
  const sums = new Float64Array(util.sizeFromShape(reducedShape));
  const xs = float32Values(backend, x);
  if (xs.length === 0 || x.shape.length === 0) {
    if (xs.length > 0) sums[0] = xs[0];
    return { sums, shape };
  }
  const keptStrides = rowMajorStrides(reducedShape);
  let k = 0;
  const outStrides = x.shape.map((_, d) => (axes.includes(d) ? 0 : keptStrides[k++]));
  const last = x.shape.length - 1;
  const n = x.shape[last];
  const outStep = outStrides[last];
  walkRows(x.shape, [outStrides], (row, [o]) => {
    const xOff = row * n;
    if (outStep === 0) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[xOff + i];
      sums[o] += s;
    } else {
      for (let i = 0; i < n; i++) sums[o + i] += xs[xOff + i];
    }
  });
  return { sums, shape };
}

export const sumKernel: FastCpuKernel = {
  kernelName: Sum,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    if (x.dtype !== 'float32') return original(args);
    const { sums, shape } = sumOverAxes(args.backend, x, util.parseAxisParam(axis, x.shape), keepDims);
    return args.backend.makeTensorInfo(shape, 'float32', Float32Array.from(sums));
  },
};
