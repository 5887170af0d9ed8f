import { SplitV, SplitVAttrs, TypedArray, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel } from '../kernel_utils';
import { sliceValues } from './slice';

/**
 * SplitV as strided slices (./slice). tfjs's SplitV calls its own Slice
 * function directly, so overriding Slice alone leaves splits (DResNet's
 * squeeze-expand branches split along channels) element by element.
 */
export const splitVKernel: FastCpuKernel = {
  kernelName: SplitV,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const $axis = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const vals = args.backend.data.get(x.dataId).values as TypedArray;
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[$axis] = s;
      const piece = args.backend.makeTensorInfo(size, x.dtype, sliceValues(vals, x.shape, begin, size));
      begin[$axis] += s;
      return piece;
    });
  },
};
