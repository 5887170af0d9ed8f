import { Slice, SliceAttrs, TypedArray, slice_util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, stridedGather } from '../kernel_utils';

/**
 * A box of a tensor (begin, size per dimension) copied row by row, each row
 * one contiguous run of the input. tfjs copies non-contiguous slices (a
 * split along channels, in NHWC) element by element through TensorBuffer.
 */
export function sliceValues(x: TypedArray, shape: readonly number[], begin: readonly number[], size: readonly number[]): TypedArray {
  const strides = rowMajorStrides(shape);
  return stridedGather(x, size, strides, begin.reduce((s, b, d) => s + b * strides[d], 0));
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
