import { AvgPool3DGrad, AvgPool3DGradAttrs, AvgPool3DGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { pool3dAttrs } from '../window3d';

/** inputs to the native op: dy and the forward input. */
export const avgPool3DGradConfig = torchKernel<AvgPool3DGradInputs, AvgPool3DGradAttrs>(AvgPool3DGrad, ({ dy, input }, backend, attrs) =>
  backend.execute1(AvgPool3DGrad, [dy, input], pool3dAttrs(AvgPool3DGrad, input.shape, attrs)),
);
