import { SplitV, SplitVAttrs, SplitVInputs, backend_util } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const splitVConfig = torchKernel<SplitVInputs, SplitVAttrs>(SplitV, ({ x }, backend, { numOrSizeSplits, axis }) => {
  const $axis = oneAxis(axis, x.shape);
  const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  return backend.execute(SplitV, [x], { sizes, axis: $axis });
});
