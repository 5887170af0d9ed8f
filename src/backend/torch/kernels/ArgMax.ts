import { ArgMax, ArgMaxAttrs, ArgMaxInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const argMaxConfig = torchKernel<ArgMaxInputs, ArgMaxAttrs>(ArgMax, ({ x }, backend, { axis }) =>
  backend.execute1(ArgMax, [x], { axis: oneAxis(axis, x.shape) }),
);
