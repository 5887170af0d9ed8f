import { AvgPool, AvgPoolAttrs, AvgPoolInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

export const avgPoolConfig = torchKernel<AvgPoolInputs, AvgPoolAttrs>(AvgPool, ({ x }, backend, attrs) =>
  backend.execute1(AvgPool, [x], poolAttrs(x.shape, attrs)),
);
