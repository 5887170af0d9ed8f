import { Transpose, TransposeAttrs, TypedArray } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, stridedGather } from '../kernel_utils';

/**
 * Transpose as a strided gather (kernel_utils): the output is walked row by
 * row, reading the input with its strides permuted. tfjs maps every element through
 * indexToLoc/locToIndex (the grouped 1x1 convs' batched matmuls transpose at
 * each step). Any numeric dtype; string and complex64 stay with tfjs.
 */
export function transposeValues(x: TypedArray, shape: readonly number[], perm: readonly number[]): { values: TypedArray; shape: number[] } {
  const xStrides = rowMajorStrides(shape);
  return { values: stridedGather(x, perm.map((p) => shape[p]), perm.map((p) => xStrides[p])), shape: perm.map((p) => shape[p]) };
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
