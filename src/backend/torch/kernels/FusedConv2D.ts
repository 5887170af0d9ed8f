import { FusedConv2D, FusedConv2DAttrs, FusedConv2DInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

/** Conv with bias and activation in one native call (tfjs-layers' Conv2D uses this). */
export const fusedConv2DConfig = torchKernel<FusedConv2DInputs, FusedConv2DAttrs>(FusedConv2D, (inputs, backend, attrs) => {
  const { x, filter, bias, preluActivationWeights } = inputs;
  return backend.execute1(FusedConv2D, [x, filter, bias, preluActivationWeights], {
    ...convAttrs(FusedConv2D, x.shape, filter.shape, attrs),
    activation: attrs.activation,
    leakyreluAlpha: attrs.leakyreluAlpha,
  });
});
