import { RELU6_GRAD, ActivationGradInputs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** The Relu6 gradient in one native pass (see src/ops/activation_grad.ts). */
export const dresnetRelu6GradConfig = torchKernel<ActivationGradInputs>(RELU6_GRAD, ({ dy, x }, backend) =>
  backend.execute1('Relu6Grad', [dy, x]),
);
