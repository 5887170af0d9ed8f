import { Cast, CastAttrs, CastInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const castConfig = torchKernel<CastInputs, CastAttrs>(Cast, ({ x }, backend, { dtype }) => {
  if (dtype === x.dtype) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  }
  return backend.execute1(Cast, [x], { dtype });
});
