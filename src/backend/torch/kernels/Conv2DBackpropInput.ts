import { Conv2DBackpropInput, Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { NativeAttrs } from '../binding';
import { convAttrs, convInfo, torchKernel } from '../kernel_utils';
import { isNCHW, nhwcParams, nhwcShape, viaNHWC } from '../layout';
import { Scope, composed } from '../scope';

function nativeAttrs(inputShape: number[], filterShape: number[], attrs: Conv2DBackpropInputAttrs): NativeAttrs {
  return { ...convAttrs(Conv2DBackpropInput, inputShape, filterShape, attrs), inputShape };
}

/**
 * dy as tfjs's kernels read it: its top-left window of the conv's output size.
 * A dy larger than the conv of inputShape gives (a tfjs-core spec passes one)
 * is cropped; ATen would reject it.
 */
function dyWindow(s: Scope, dy: TensorInfo, inputShape: number[], filterShape: number[], attrs: Conv2DBackpropInputAttrs): TensorInfo {
  const { outHeight, outWidth } = convInfo(Conv2DBackpropInput, inputShape, filterShape, attrs);
  const [batch, height, width, channels] = dy.shape;
  if (height <= outHeight && width <= outWidth) return dy;
  return s.op('Slice', [dy], { begin: [0, 0, 0, 0], size: [batch, Math.min(height, outHeight), Math.min(width, outWidth), channels] });
}

export const conv2DBackpropInputConfig = torchKernel<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>(
  Conv2DBackpropInput,
  ({ dy, filter }, backend, attrs) => {
    if (isNCHW(attrs.dataFormat)) {
      const [inputShape, params] = [nhwcShape(attrs.inputShape), nhwcParams(attrs)];
      return viaNHWC(backend, (s, toNHWC) =>
        s.op(Conv2DBackpropInput, [dyWindow(s, toNHWC(dy), inputShape, filter.shape, params), filter], nativeAttrs(inputShape, filter.shape, params)));
    }
    return composed(backend, (s) =>
      s.op(Conv2DBackpropInput, [dyWindow(s, dy, attrs.inputShape, filter.shape, attrs), filter], nativeAttrs(attrs.inputShape, filter.shape, attrs)));
  },
);
