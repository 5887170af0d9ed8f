import { BatchToSpaceND, BatchToSpaceNDAttrs, BatchToSpaceNDInputs, backend_util, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** The inverse of SpaceToBatchND: blocks back from the batch into the spatial axes, then crop (tfjs's own recipe). */
export const batchToSpaceNDConfig = torchKernel<BatchToSpaceNDInputs, BatchToSpaceNDAttrs>(
  BatchToSpaceND,
  ({ x }, backend, { blockShape, crops }) =>
    composed(backend, (s) => {
      const prod = util.sizeFromShape(blockShape);
      const split = s.reshape(x, backend_util.getReshaped(x.shape, blockShape, prod));
      const moved = s.transpose(split, backend_util.getPermuted(split.shape.length, blockShape.length));
      const uncropped = s.reshape(moved, backend_util.getReshapedPermuted(x.shape, blockShape, prod));
      return s.op('Slice', [uncropped], {
        begin: backend_util.getSliceBeginCoords(crops, blockShape.length),
        size: backend_util.getSliceSize(uncropped.shape, crops, blockShape.length),
      });
    }),
);
