import {
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropFilterInputs,
} from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const depthwiseConv2dNativeBackpropFilterConfig = torchKernel<
  DepthwiseConv2dNativeBackpropFilterInputs,
  DepthwiseConv2dNativeBackpropFilterAttrs
>(DepthwiseConv2dNativeBackpropFilter, ({ x, dy }, backend, attrs) =>
  backend.execute1(DepthwiseConv2dNativeBackpropFilter, [x, dy], {
    ...convAttrs(DepthwiseConv2dNativeBackpropFilter, x.shape, attrs.filterShape, attrs, true),
    filterShape: attrs.filterShape,
  }),
);
