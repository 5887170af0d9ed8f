import { Transpose, TransposeAttrs, TransposeInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const transposeConfig = torchKernel<TransposeInputs, TransposeAttrs>(Transpose, ({ x }, backend, { perm }) =>
  backend.execute1(Transpose, [x], { perm }),
);
