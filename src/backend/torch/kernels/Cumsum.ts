import { Cumsum, CumsumAttrs, CumsumInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const cumsumConfig = torchKernel<CumsumInputs, CumsumAttrs>(Cumsum, ({ x }, backend, { axis, exclusive, reverse }) =>
  backend.execute1(Cumsum, [x], { axis: oneAxis(axis, x.shape), exclusive, reverse }),
);
