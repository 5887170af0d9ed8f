import { Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, channelsLast, float32Values, forEachConvTap, toFloat32 } from '../kernel_utils';

/**
 * dW[wR, wC, d1, d2] = sum over (b, yR, yC) of x[b, xR, xC, d1] * dy[b, yR, yC, d2].
 * tfjs loops over the filter outside and reads x and dy through
 * TensorBuffer.get one element at a time (most of a cpu training step).
 * Here the output pixels are outside: each adds the outer product of an
 * input row (d1) and a dy row (d2) to one filter tap, sweeping d2, which is
 * contiguous in both dy and dW.
 */
function conv2dBackpropFilterNhwc(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const dW = new Float64Array(util.sizeFromShape(info.filterShape));
  forEachConvTap(info, (xOff, tap, dyOff) => {
    let wOff = tap * inChannels * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++, wOff += outChannels) {
      const xv = x[xOff + d1];
      for (let d2 = 0; d2 < outChannels; d2++) dW[wOff + d2] += xv * dy[dyOff + d2];
    }
  });
  return toFloat32(dW);
}

export const conv2dBackpropFilterKernel: FastCpuKernel = {
  kernelName: Conv2DBackpropFilter,
  kernelFunc(args, original) {
    const { x, dy } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!allFloat32(x, dy)) return original(args);
    // No dilations: tfjs's Conv2DBackpropFilter has none (conv2d's gradient requires them to be 1).
    const info = channelsLast(
      backend_util.computeConv2DInfo(
        x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false,
        backend_util.convertConv2DDataFormat(dataFormat),
      ),
    );
    if (!info || !util.arraysEqual(dy.shape, info.outShape)) return original(args); // NCHW, or dy not of this geometry
    const dW = conv2dBackpropFilterNhwc(float32Values(args.backend, x), float32Values(args.backend, dy), info);
    return args.backend.makeTensorInfo(info.filterShape, 'float32', dW);
  },
};
