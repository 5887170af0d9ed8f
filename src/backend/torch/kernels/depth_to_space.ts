import { DepthToSpace, DepthToSpaceAttrs, DepthToSpaceInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/**
 * Channel (by * block + bx) * c' + c moves to pixel (y * block + by, x * block + bx):
 * split the channels into [block, block, c'], interleave with the pixels.
 */
export const depthToSpaceConfig = torchKernel<DepthToSpaceInputs, DepthToSpaceAttrs>(
  DepthToSpace,
  ({ x }, backend, { blockSize: b, dataFormat }) =>
    composed(backend, (s) => {
      if (dataFormat === 'NHWC') {
        const [n, h, w, c] = x.shape;
        const split = s.reshape(x, [n, h, w, b, b, c / (b * b)]);
        return s.reshape(s.transpose(split, [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, c / (b * b)]);
      }
      const [n, c, h, w] = x.shape;
      const split = s.reshape(x, [n, b, b, c / (b * b), h, w]);
      return s.reshape(s.transpose(split, [0, 3, 4, 1, 5, 2]), [n, c / (b * b), h * b, w * b]);
    }),
);
