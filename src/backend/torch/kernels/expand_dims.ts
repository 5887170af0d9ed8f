import { ExpandDims, ExpandDimsAttrs, ExpandDimsInputs, Reshape, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const expandDimsConfig = torchKernel<ExpandDimsInputs, ExpandDimsAttrs>(ExpandDims, ({ input }, backend, { dim }) => {
  const rank = input.shape.length;
  // tfjs's range check (its op only checks the upper bound).
  util.assert(-(rank + 1) <= dim, () => `Axis must be in the interval [${-(rank + 1)}, ${rank}]`);
  const at = dim < 0 ? rank + dim + 1 : dim;
  const shape = [...input.shape.slice(0, at), 1, ...input.shape.slice(at)];
  return backend.execute1(Reshape, [input], { shape });
});
