import { MaxPoolGrad, MaxPoolGradAttrs, MaxPoolGradInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

/** The forward's output says which value each window took (native/src/pool_rows.cc). */
export const maxPoolGradConfig = torchKernel<MaxPoolGradInputs, MaxPoolGradAttrs>(MaxPoolGrad, ({ dy, input, output }, backend, attrs) =>
  backend.execute1(MaxPoolGrad, [dy, input, output], poolAttrs(input.shape, attrs)),
);
