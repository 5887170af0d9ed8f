import { ArgMin, ArgMinAttrs, ArgMinInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const argMinConfig = torchKernel<ArgMinInputs, ArgMinAttrs>(ArgMin, ({ x }, backend, { axis }) =>
  backend.execute1(ArgMin, [x], { axis: oneAxis(axis, x.shape) }),
);
