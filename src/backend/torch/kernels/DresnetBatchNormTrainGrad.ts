import { BATCH_NORM_TRAIN_GRAD, BatchNormTrainGradAttrs, BatchNormTrainGradInputs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** ATen's native_batch_norm_backward: [dx, dScale, dOffset]. */
export const dresnetBatchNormTrainGradConfig = torchKernel<BatchNormTrainGradInputs, BatchNormTrainGradAttrs>(
  BATCH_NORM_TRAIN_GRAD,
  ({ dy, x, scale, mean, invStd }, backend, { epsilon }) =>
    backend.execute('BatchNormTrainGrad', [dy, x, scale, mean, invStd], { epsilon }),
);
