import { FusedDepthwiseConv2D, FusedDepthwiseConv2DAttrs, FusedDepthwiseConv2DInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const fusedDepthwiseConv2DConfig = torchKernel<FusedDepthwiseConv2DInputs, FusedDepthwiseConv2DAttrs>(
  FusedDepthwiseConv2D,
  (inputs, backend, attrs) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    return backend.execute1(FusedDepthwiseConv2D, [x, filter, bias, preluActivationWeights], {
      ...convAttrs(FusedDepthwiseConv2D, x.shape, filter.shape, attrs, true),
      activation: attrs.activation,
      leakyreluAlpha: attrs.leakyreluAlpha,
    });
  },
);
