import { Range, RangeAttrs } from '@tensorflow/tfjs-core';
import { shared } from '@tensorflow/tfjs-backend-cpu';
import { torchKernel } from '../kernel_utils';

/** Computed in JS by tfjs's own implementation (it picks the step's sign); uploaded lazily when an op needs it. */
export const rangeConfig = torchKernel<Record<string, never>, RangeAttrs>(Range, (_inputs, backend, { start, stop, step, dtype }) => {
  const values = shared.rangeImpl(start, stop, step, dtype);
  return backend.makeTensorInfo([values.length], dtype, values);
});
