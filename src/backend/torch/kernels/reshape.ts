import { Reshape, ReshapeAttrs, ReshapeInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** A new ATen view (no copy) with the tfjs shape, so every handle keeps its tfjs shape. */
export const reshapeConfig = torchKernel<ReshapeInputs, ReshapeAttrs>(Reshape, ({ x }, backend, { shape }) =>
  backend.execute1(Reshape, [x], { shape: util.inferFromImplicitShape(shape, util.sizeFromShape(x.shape)) }),
);
