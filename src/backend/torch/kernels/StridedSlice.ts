import { StridedSlice, StridedSliceAttrs, StridedSliceInputs, slice_util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const stridedSliceConfig = torchKernel<StridedSliceInputs, StridedSliceAttrs>(StridedSlice, ({ x }, backend, a) => {
  const info = slice_util.sliceInfo(
    x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask,
  );
  if (info.finalShapeSparse.length !== x.shape.length) {
    throw new Error(`torch backend: StridedSlice with ${info.finalShapeSparse.length} sparse dims on a rank-${x.shape.length} input`);
  }
  return backend.execute1(StridedSlice, [x], {
    begin: info.begin,
    strides: info.strides,
    sizes: info.finalShapeSparse,
    finalShape: info.finalShape,
  });
});
