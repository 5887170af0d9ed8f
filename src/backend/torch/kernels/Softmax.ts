import { Softmax, SoftmaxAttrs, SoftmaxInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const softmaxConfig = torchKernel<SoftmaxInputs, SoftmaxAttrs>(Softmax, ({ logits }, backend, { dim }) =>
  backend.execute1(Softmax, [logits], { dim }),
);
