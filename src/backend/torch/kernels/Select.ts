import { Select, SelectInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const selectConfig = torchKernel<SelectInputs>(Select, ({ condition, t, e }, backend) =>
  backend.execute1(Select, [condition, t, e]),
);
