import { Range, RangeAttrs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** Computed in JS, as tfjs defines it; uploaded lazily when an op needs it. */
export const rangeConfig = torchKernel<Record<string, never>, RangeAttrs>(Range, (_inputs, backend, { start, stop, step, dtype }) => {
  const count = step === 0 ? 0 : Math.max(Math.ceil((stop - start) / step), 0);
  const values = dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = start + i * step;
  return backend.makeTensorInfo([count], dtype, values);
});
