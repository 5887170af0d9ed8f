import { Pack, PackAttrs, PackInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const packConfig = torchKernel<PackInputs, PackAttrs>(Pack, (inputs, backend, { axis }) =>
  backend.execute1(Pack, inputs, { axis }),
);
