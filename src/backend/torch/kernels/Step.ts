import { Step, StepAttrs, UnaryInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const stepConfig = torchKernel<UnaryInputs, StepAttrs>(Step, ({ x }, backend, { alpha }) =>
  backend.execute1(Step, [x], { alpha }),
);
