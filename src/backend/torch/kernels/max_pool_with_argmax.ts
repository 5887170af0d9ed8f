import { MaxPoolWithArgmax, MaxPoolWithArgmaxAttrs, MaxPoolWithArgmaxInputs } from '@tensorflow/tfjs-core';
import { poolAttrs, torchKernel } from '../kernel_utils';

/** The max and its flat NHWC position in x (with the batch term when includeBatchInIndex). */
export const maxPoolWithArgmaxConfig = torchKernel<MaxPoolWithArgmaxInputs, MaxPoolWithArgmaxAttrs>(
  MaxPoolWithArgmax,
  ({ x }, backend, attrs) =>
    backend.execute(MaxPoolWithArgmax, [x], { ...poolAttrs(x.shape, attrs), includeBatchInIndex: attrs.includeBatchInIndex }),
);
