import { MaxPoolGrad, MaxPoolGradAttrs, MaxPoolGradInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

/** The native op recomputes the argmax positions from the forward input. */
export const maxPoolGradConfig = torchKernel<MaxPoolGradInputs, MaxPoolGradAttrs>(MaxPoolGrad, ({ dy, input }, backend, attrs) =>
  backend.execute1(MaxPoolGrad, [dy, input], poolAttrs(input.shape, attrs)),
);
