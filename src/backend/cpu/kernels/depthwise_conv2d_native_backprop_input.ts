import { DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropInputAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, forEachConvTap, toFloat32, unitDilations } from '../kernel_utils';

/**
 * dx[b, xR, xC, d1] = sum over the taps that read it and q of
 * W[wR, wC, d1, q] * dy[b, yR, yC, d1 * chMul + q], scattered from each output
 * pixel along the channels (contiguous in dy, the filter and dx).
 */
function depthwiseBackpropInputNhwc(dy: Float32Array, w: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const chMul = outChannels / inChannels;
  const dx = new Float64Array(util.sizeFromShape(info.inShape));
  forEachConvTap(info, (xOff, tap, dyOff) => {
    const wOff = tap * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++) {
      const o = d1 * chMul;
      let dot = 0;
      for (let q = 0; q < chMul; q++) dot += w[wOff + o + q] * dy[dyOff + o + q];
      dx[xOff + d1] += dot;
    }
  });
  return toFloat32(dx);
}

export const depthwiseConv2dNativeBackpropInputKernel: FastCpuKernel = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  kernelFunc(args, original) {
    const { dy, filter } = args.inputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    // As for the filter gradient: tfjs indexes as if dilations were 1; calls with others keep its result.
    if (!allFloat32(dy, filter) || !unitDilations(dilations)) return original(args);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, true);
    if (!util.arraysEqual(dy.shape, info.outShape)) return original(args); // dy not of this geometry: tfjs's result stands
    const dx = depthwiseBackpropInputNhwc(float32Values(args.backend, dy), float32Values(args.backend, filter), info);
    return args.backend.makeTensorInfo(info.inShape, 'float32', dx);
  },
};
