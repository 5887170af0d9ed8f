import { RELU_GRAD, ActivationGradInputs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** The Relu gradient in one native pass (see src/ops/activation_grad.ts). */
export const dresnetReluGradConfig = torchKernel<ActivationGradInputs>(RELU_GRAD, ({ dy, x }, backend) =>
  backend.execute1('ReluGrad', [dy, x]),
);
