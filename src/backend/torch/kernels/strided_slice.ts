import { StridedSlice, StridedSliceAttrs, StridedSliceInputs, slice_util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const stridedSliceConfig = torchKernel<StridedSliceInputs, StridedSliceAttrs>(StridedSlice, ({ x }, backend, a) => {
  const info = slice_util.sliceInfo(
    x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask,
  );
  // Per input axis (shrunk axes have size 1; new axes only appear in finalShape).
  const sizes = slice_util.computeOutShape(info.begin, info.end, info.strides).map((n) => Math.max(n, 0));
  return backend.execute1(StridedSlice, [x], {
    begin: info.begin,
    strides: info.strides,
    sizes,
    finalShape: info.finalShape,
  });
});
