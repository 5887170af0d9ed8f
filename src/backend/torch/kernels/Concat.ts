import { Concat, ConcatAttrs, ConcatInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const concatConfig = torchKernel<ConcatInputs, ConcatAttrs>(Concat, (inputs, backend, { axis }) =>
  backend.execute1(Concat, inputs, { axis: oneAxis(axis, inputs[0].shape) }),
);
