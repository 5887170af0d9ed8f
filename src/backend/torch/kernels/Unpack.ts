import { Unpack, UnpackAttrs, UnpackInputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const unpackConfig = torchKernel<UnpackInputs, UnpackAttrs>(Unpack, ({ value }, backend, { axis }) =>
  backend.execute(Unpack, [value], { axis: oneAxis(axis, value.shape) }),
);
