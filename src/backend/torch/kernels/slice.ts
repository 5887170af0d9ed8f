import { Slice, SliceAttrs, SliceInputs, slice_util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const sliceConfig = torchKernel<SliceInputs, SliceAttrs>(Slice, ({ x }, backend, attrs) => {
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  return backend.execute1(Slice, [x], { begin, size });
});
