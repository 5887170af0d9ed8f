import { Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const conv2DBackpropFilterConfig = torchKernel<Conv2DBackpropFilterInputs, Conv2DBackpropFilterAttrs>(
  Conv2DBackpropFilter,
  ({ x, dy }, backend, attrs) =>
    backend.execute1(Conv2DBackpropFilter, [x, dy], {
      ...convAttrs(Conv2DBackpropFilter, x.shape, attrs.filterShape, attrs),
      filterShape: attrs.filterShape,
    }),
);
