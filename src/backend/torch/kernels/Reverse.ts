import { Reverse, ReverseAttrs, ReverseInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const reverseConfig = torchKernel<ReverseInputs, ReverseAttrs>(Reverse, ({ x }, backend, { dims }) =>
  backend.execute1(Reverse, [x], { dims: util.parseAxisParam(dims, x.shape) }),
);
