import { DepthwiseConv2dNative, DepthwiseConv2dNativeAttrs, DepthwiseConv2dNativeInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const depthwiseConv2dNativeConfig = torchKernel<DepthwiseConv2dNativeInputs, DepthwiseConv2dNativeAttrs>(
  DepthwiseConv2dNative,
  ({ x, filter }, backend, attrs) =>
    backend.execute1(DepthwiseConv2dNative, [x, filter, undefined, undefined], convAttrs(DepthwiseConv2dNative, x.shape, filter.shape, attrs, true)),
);
