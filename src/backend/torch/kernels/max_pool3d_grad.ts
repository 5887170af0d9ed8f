import { MaxPool3DGrad, MaxPool3DGradAttrs, MaxPool3DGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { pool3dAttrs } from '../window3d';

/** inputs to the native op: dy and the forward input. */
export const maxPool3DGradConfig = torchKernel<MaxPool3DGradInputs, MaxPool3DGradAttrs>(MaxPool3DGrad, ({ dy, input }, backend, attrs) =>
  backend.execute1(MaxPool3DGrad, [dy, input], pool3dAttrs(MaxPool3DGrad, input.shape, attrs)),
);
