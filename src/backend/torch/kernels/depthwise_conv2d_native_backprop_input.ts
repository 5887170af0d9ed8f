import {
  DepthwiseConv2dNativeBackpropInput,
  DepthwiseConv2dNativeBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropInputInputs,
} from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const depthwiseConv2dNativeBackpropInputConfig = torchKernel<
  DepthwiseConv2dNativeBackpropInputInputs,
  DepthwiseConv2dNativeBackpropInputAttrs
>(DepthwiseConv2dNativeBackpropInput, ({ dy, filter }, backend, attrs) =>
  backend.execute1(DepthwiseConv2dNativeBackpropInput, [dy, filter], {
    ...convAttrs(DepthwiseConv2dNativeBackpropInput, attrs.inputShape, filter.shape, attrs, true),
    inputShape: attrs.inputShape,
  }),
);
