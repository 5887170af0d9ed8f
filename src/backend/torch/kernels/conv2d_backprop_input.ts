import { Conv2DBackpropInput, Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs, TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { convInfo, torchKernel, windowAttrs } from '../kernel_utils';
import { isNCHW, nhwcParams, nhwcShape, viaNHWC } from '../layout';
import { Scope, composed } from '../scope';

/**
 * dy as tfjs's kernels read it: its top-left window of the conv's output size.
 * A dy larger than the conv of inputShape gives (a tfjs-core spec passes one)
 * is cropped; ATen would reject it.
 */
function dyWindow(s: Scope, dy: TensorInfo, { outHeight, outWidth }: backend_util.Conv2DInfo): TensorInfo {
  const [batch, height, width, channels] = dy.shape;
  if (height <= outHeight && width <= outWidth) return dy;
  return s.op('Slice', [dy], { begin: [0, 0, 0, 0], size: [batch, Math.min(height, outHeight), Math.min(width, outWidth), channels] });
}

/** The NHWC op, the conv's geometry computed once for its attributes and dy's window. */
function backpropInput(s: Scope, dy: TensorInfo, filter: TensorInfo, inputShape: number[], attrs: Conv2DBackpropInputAttrs): TensorInfo {
  const info = convInfo(Conv2DBackpropInput, inputShape, filter.shape, attrs);
  return s.op(Conv2DBackpropInput, [dyWindow(s, dy, info), filter], { ...windowAttrs(info), inputShape });
}

export const conv2DBackpropInputConfig = torchKernel<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>(
  Conv2DBackpropInput,
  ({ dy, filter }, backend, attrs) => {
    if (isNCHW(attrs.dataFormat)) {
      return viaNHWC(backend, (s, toNHWC) => backpropInput(s, toNHWC(dy), filter, nhwcShape(attrs.inputShape), nhwcParams(attrs)));
    }
    return composed(backend, (s) => backpropInput(s, dy, filter, attrs.inputShape, attrs));
  },
);
