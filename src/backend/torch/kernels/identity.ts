import { Identity, IdentityInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** Shares the input's ATen tensor: only the reference count changes. */
export const identityConfig = torchKernel<IdentityInputs>(Identity, ({ x }, backend) => {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});
