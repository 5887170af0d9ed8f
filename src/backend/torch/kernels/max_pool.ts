import { MaxPool, MaxPoolAttrs, MaxPoolInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, poolIsIdentity, torchKernel } from '../kernel_utils';

export const maxPoolConfig = torchKernel<MaxPoolInputs, MaxPoolAttrs>(MaxPool, ({ x }, backend, attrs) =>
  poolIsIdentity(x.shape, attrs)
    ? backend.execute1('Reshape', [x], { shape: x.shape })
    : backend.execute1(MaxPool, [x], poolAttrs(x.shape, attrs)),
);
