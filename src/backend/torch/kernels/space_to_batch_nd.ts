import { SpaceToBatchND, SpaceToBatchNDAttrs, SpaceToBatchNDInputs, backend_util, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** Pad the block axes, then split each into (out, block) and move the blocks to the batch (tfjs's own recipe). */
export const spaceToBatchNDConfig = torchKernel<SpaceToBatchNDInputs, SpaceToBatchNDAttrs>(
  SpaceToBatchND,
  ({ x }, backend, { blockShape, paddings }) =>
    composed(backend, (s) => {
      const prod = util.sizeFromShape(blockShape);
      const allPaddings = x.shape.map((_, d) => (d >= 1 && d <= blockShape.length ? paddings[d - 1] : [0, 0]));
      const padded = s.op('PadV2', [x], { pads: [...allPaddings].reverse().flat(), constantValue: 0 });
      const split = s.reshape(padded, backend_util.getReshaped(padded.shape, blockShape, prod, false));
      const moved = s.transpose(split, backend_util.getPermuted(split.shape.length, blockShape.length, false));
      return s.reshape(moved, backend_util.getReshapedPermuted(padded.shape, blockShape, prod, false));
    }),
);
