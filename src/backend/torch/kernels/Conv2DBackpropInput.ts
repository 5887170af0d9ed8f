import { Conv2DBackpropInput, Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs } from '@tensorflow/tfjs-core';
import { NativeAttrs } from '../binding';
import { convAttrs, torchKernel } from '../kernel_utils';
import { isNCHW, nhwcParams, nhwcShape, viaNHWC } from '../layout';

function nativeAttrs(inputShape: number[], filterShape: number[], attrs: Conv2DBackpropInputAttrs): NativeAttrs {
  return { ...convAttrs(Conv2DBackpropInput, inputShape, filterShape, attrs), inputShape };
}

export const conv2DBackpropInputConfig = torchKernel<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>(
  Conv2DBackpropInput,
  ({ dy, filter }, backend, attrs) => {
    if (isNCHW(attrs.dataFormat)) {
      const inputShape = nhwcShape(attrs.inputShape);
      return viaNHWC(backend, (s, toNHWC) => s.op(Conv2DBackpropInput, [toNHWC(dy), filter], nativeAttrs(inputShape, filter.shape, nhwcParams(attrs))));
    }
    return backend.execute1(Conv2DBackpropInput, [dy, filter], nativeAttrs(attrs.inputShape, filter.shape, attrs));
  },
);
