import { ResizeBilinearGrad, ResizeBilinearGradAttrs, ResizeBilinearGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { lerpAdjoint, resizeAxes } from '../resize_utils';
import { composed } from '../scope';

/** The adjoint of ResizeBilinear, one axis at a time (the interpolation is separable). */
export const resizeBilinearGradConfig = torchKernel<ResizeBilinearGradInputs, ResizeBilinearGradAttrs>(
  ResizeBilinearGrad,
  ({ images, dy }, backend, attrs) =>
    composed(backend, (s) => {
      const [rows, cols] = resizeAxes(images.shape, [dy.shape[1], dy.shape[2]], attrs);
      return lerpAdjoint(s, lerpAdjoint(s, dy, cols, 2, images.shape[2]), rows, 1, images.shape[1]);
    }),
);
