import { FusedBatchNorm, FusedBatchNormAttrs, FusedBatchNormInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const fusedBatchNormConfig = torchKernel<FusedBatchNormInputs, FusedBatchNormAttrs>(FusedBatchNorm, (inputs, backend, a) =>
  backend.execute1(FusedBatchNorm, [inputs.x, inputs.mean, inputs.variance, inputs.offset, inputs.scale], {
    varianceEpsilon: a.varianceEpsilon,
  }),
);
