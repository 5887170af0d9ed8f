import { LRNGrad, LRNGradAttrs, LRNGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const lrnGradConfig = torchKernel<LRNGradInputs, LRNGradAttrs>(LRNGrad, ({ x, y, dy }, backend, attrs) =>
  backend.execute1(LRNGrad, [dy, x, y], {
    depthRadius: attrs.depthRadius,
    bias: attrs.bias,
    alpha: attrs.alpha,
    beta: attrs.beta,
  }),
);
