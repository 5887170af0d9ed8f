import { Transpose, TransposeAttrs, TypedArray, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, walkRows } from '../kernel_utils';

/**
 * Transpose as a strided gather: the output is walked row by row, reading
 * the input with its strides permuted. tfjs maps every element through
 * indexToLoc/locToIndex (the grouped 1x1 convs' batched matmuls transpose at
 * each step). Any numeric dtype; string and complex64 stay with tfjs.
 */
export function transposeValues(x: TypedArray, shape: readonly number[], perm: readonly number[]): { values: TypedArray; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const xStrides = rowMajorStrides(shape);
  const readStrides = perm.map((p) => xStrides[p]);
  const out = new (x.constructor as new (n: number) => TypedArray)(util.sizeFromShape(outShape));
  if (out.length === 0 || outShape.length === 0) {
    if (out.length > 0) out[0] = x[0];
    return { values: out, shape: outShape };
  }
  const last = outShape.length - 1;
  const n = outShape[last];
  const step = readStrides[last];
  walkRows(outShape, [readStrides], (row, [off]) => {
    const o = row * n;
    for (let i = 0; i < n; i++) out[o + i] = x[off + i * step];
  });
  return { values: out, shape: outShape };
}

export const transposeKernel: FastCpuKernel = {
  kernelName: Transpose,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { perm } = args.attrs as unknown as TransposeAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const vals = args.backend.data.get(x.dataId).values as TypedArray;
    const { values, shape } = transposeValues(vals, x.shape, perm);
    return args.backend.makeTensorInfo(shape, x.dtype, values);
  },
};
