import { Slice, SliceAttrs, TypedArray, slice_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, walkRows } from '../kernel_utils';

/**
 * A box of a tensor (begin, size per dimension) copied row by row, each row
 * one contiguous run of the input. tfjs copies non-contiguous slices (a
 * split along channels, in NHWC) element by element through TensorBuffer.
 */
export function sliceValues(x: TypedArray, shape: readonly number[], begin: readonly number[], size: readonly number[]): TypedArray {
  const out = new (x.constructor as new (n: number) => TypedArray)(util.sizeFromShape([...size]));
  if (out.length === 0) return out;
  if (shape.length === 0) {
    out[0] = x[0];
    return out;
  }
  const strides = rowMajorStrides(shape);
  const start = begin.reduce((s, b, d) => s + b * strides[d], 0);
  const n = size[size.length - 1];
  walkRows(size, [strides], (row, [off]) => {
    out.set(x.subarray(start + off, start + off + n), row * n);
  });
  return out;
}

export const sliceKernel: FastCpuKernel = {
  kernelName: Slice,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const [$begin, $size] = slice_util.parseSliceParams(x, begin, size);
    slice_util.assertParamsValid(x, $begin, $size);
    const vals = args.backend.data.get(x.dataId).values as TypedArray;
    return args.backend.makeTensorInfo($size, x.dtype, sliceValues(vals, x.shape, $begin, $size));
  },
};
