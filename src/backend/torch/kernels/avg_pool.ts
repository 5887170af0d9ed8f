import { AvgPool, AvgPoolAttrs, AvgPoolInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, poolIsIdentity, torchKernel } from '../kernel_utils';

export const avgPoolConfig = torchKernel<AvgPoolInputs, AvgPoolAttrs>(AvgPool, ({ x }, backend, attrs) =>
  poolIsIdentity(x.shape, attrs)
    ? backend.execute1('Reshape', [x], { shape: x.shape })
    : backend.execute1(AvgPool, [x], poolAttrs(x.shape, attrs)),
);
