import { FlipLeftRight, FlipLeftRightInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** NHWC images: reverse the width axis. */
export const flipLeftRightConfig = torchKernel<FlipLeftRightInputs>(FlipLeftRight, ({ image }, backend) =>
  backend.execute1('Reverse', [image], { dims: [2] }),
);
