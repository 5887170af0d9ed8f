import { Cumprod, CumprodAttrs, CumprodInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const cumprodConfig = torchKernel<CumprodInputs, CumprodAttrs>(Cumprod, ({ x }, backend, { axis, exclusive, reverse }) =>
  backend.execute1(Cumprod, [x], { axis: oneAxis(axis, x.shape), exclusive, reverse }),
);
