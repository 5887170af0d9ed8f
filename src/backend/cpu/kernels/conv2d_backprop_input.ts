import { Conv2DBackpropInput, Conv2DBackpropInputAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, channelsLast, float32Values, forEachConvTap, toFloat32 } from '../kernel_utils';

/**
 * dx[b, xR, xC, d1] = sum over the taps that read it of W[wR, wC, d1, :] . dy[b, yR, yC, :].
 * Scattered from each output pixel: every tap inside the input adds, for each
 * input channel, a dot product along the output channels (contiguous in both
 * the filter and dy).
 */
function conv2dBackpropInputNhwc(dy: Float32Array, w: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const dx = new Float64Array(util.sizeFromShape(info.inShape));
  forEachConvTap(info, (xOff, tap, dyOff) => {
    let wOff = tap * inChannels * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++, wOff += outChannels) {
      let dot = 0;
      for (let d2 = 0; d2 < outChannels; d2++) dot += w[wOff + d2] * dy[dyOff + d2];
      dx[xOff + d1] += dot;
    }
  });
  return toFloat32(dx);
}

export const conv2dBackpropInputKernel: FastCpuKernel = {
  kernelName: Conv2DBackpropInput,
  kernelFunc(args, original) {
    const { dy, filter } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (!allFloat32(dy, filter)) return original(args);
    // No dilations: tfjs's Conv2DBackpropInput has none (conv2d's gradient requires them to be 1).
    const info = channelsLast(
      backend_util.computeConv2DInfo(
        inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false,
        backend_util.convertConv2DDataFormat(dataFormat),
      ),
    );
    if (!info || !util.arraysEqual(dy.shape, info.outShape)) return original(args); // NCHW, or dy not of this geometry
    const dx = conv2dBackpropInputNhwc(float32Values(args.backend, dy), float32Values(args.backend, filter), info);
    return args.backend.makeTensorInfo(info.inShape, 'float32', dx);
  },
};
