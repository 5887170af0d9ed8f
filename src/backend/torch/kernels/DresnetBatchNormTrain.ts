import { BATCH_NORM_TRAIN, BatchNormTrainAttrs, BatchNormTrainInputs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/**
 * ATen's native_batch_norm in training mode: [y, mean, invStd] in one pass,
 * and with running statistics given, their updates too (ATen updates copies).
 */
export const dresnetBatchNormTrainConfig = torchKernel<BatchNormTrainInputs, BatchNormTrainAttrs>(
  BATCH_NORM_TRAIN,
  ({ x, scale, offset, runningMean, runningVariance }, backend, { epsilon, momentum }) =>
    backend.execute('BatchNormTrain', [x, scale, offset, runningMean, runningVariance], { epsilon, momentum }),
);
