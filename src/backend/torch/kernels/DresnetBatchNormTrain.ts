import { BATCH_NORM_TRAIN, BatchNormTrainAttrs, BatchNormTrainInputs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** ATen's native_batch_norm in training mode: [y, mean, invStd] in one pass. */
export const dresnetBatchNormTrainConfig = torchKernel<BatchNormTrainInputs, BatchNormTrainAttrs>(
  BATCH_NORM_TRAIN,
  ({ x, scale, offset }, backend, { epsilon }) => backend.execute('BatchNormTrain', [x, scale, offset], { epsilon }),
);
