import { LeakyRelu, LeakyReluAttrs, LeakyReluInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const leakyReluConfig = torchKernel<LeakyReluInputs, LeakyReluAttrs>(LeakyRelu, ({ x }, backend, { alpha }) =>
  backend.execute1(LeakyRelu, [x], { alpha }),
);
