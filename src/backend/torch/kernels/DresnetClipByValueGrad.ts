import { CLIP_BY_VALUE_GRAD, ActivationGradInputs, ClipByValueGradAttrs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** The ClipByValue gradient in one native pass (see src/ops/activation_grad.ts). */
export const dresnetClipByValueGradConfig = torchKernel<ActivationGradInputs, ClipByValueGradAttrs>(
  CLIP_BY_VALUE_GRAD,
  ({ dy, x }, backend, { clipValueMin, clipValueMax }) => backend.execute1('ClipByValueGrad', [dy, x], { clipValueMin, clipValueMax }),
);
