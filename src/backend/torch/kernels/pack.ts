import { Pack, PackAttrs, PackInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const packConfig = torchKernel<PackInputs, PackAttrs>(Pack, (inputs, backend, { axis }) => {
  // tfjs's checks: ATen would stack mixed dtypes by promoting them.
  for (const t of inputs) {
    util.assertShapesMatch(inputs[0].shape, t.shape, 'All tensors passed to stack must have matching shapes');
    util.assert(inputs[0].dtype === t.dtype, () => 'All tensors passed to stack must have matching dtypes');
  }
  return backend.execute1(Pack, inputs, { axis });
});
