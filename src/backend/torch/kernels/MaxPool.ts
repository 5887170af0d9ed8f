import { MaxPool, MaxPoolAttrs, MaxPoolInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

export const maxPoolConfig = torchKernel<MaxPoolInputs, MaxPoolAttrs>(MaxPool, ({ x }, backend, attrs) =>
  backend.execute1(MaxPool, [x], poolAttrs(x.shape, attrs)),
);
