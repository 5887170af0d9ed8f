import { Conv2DBackpropInput, Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const conv2DBackpropInputConfig = torchKernel<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>(
  Conv2DBackpropInput,
  ({ dy, filter }, backend, attrs) =>
    backend.execute1(Conv2DBackpropInput, [dy, filter], {
      ...convAttrs(Conv2DBackpropInput, attrs.inputShape, filter.shape, attrs),
      inputShape: attrs.inputShape,
    }),
);
