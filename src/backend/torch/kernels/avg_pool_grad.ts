import { AvgPoolGrad, AvgPoolGradAttrs, AvgPoolGradInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

export const avgPoolGradConfig = torchKernel<AvgPoolGradInputs, AvgPoolGradAttrs>(AvgPoolGrad, ({ dy, input }, backend, attrs) =>
  backend.execute1(AvgPoolGrad, [dy, input], poolAttrs(input.shape, attrs)),
);
