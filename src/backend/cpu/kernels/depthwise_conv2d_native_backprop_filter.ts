import { DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropFilterAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, forEachConvTap, toFloat32, unitDilations } from '../kernel_utils';

/**
 * dW[wR, wC, d1, q] = sum over (b, yR, yC) of x[b, xR, xC, d1] * dy[b, yR, yC, d1 * chMul + q].
 * tfjs reads both through TensorBuffer.get per element; here each output
 * pixel's filter taps sweep the channels, contiguous in x, dy and dW.
 */
function depthwiseBackpropFilterNhwc(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const chMul = outChannels / inChannels;
  const dW = new Float64Array(util.sizeFromShape(info.filterShape));
  forEachConvTap(info, (xOff, tap, dyOff) => {
    const wOff = tap * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++) {
      const xv = x[xOff + d1];
      const o = d1 * chMul;
      for (let q = 0; q < chMul; q++) dW[wOff + o + q] += xv * dy[dyOff + o + q];
    }
  });
  return toFloat32(dW);
}

export const depthwiseConv2dNativeBackpropFilterKernel: FastCpuKernel = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  kernelFunc(args, original) {
    const { x, dy } = args.inputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    // tfjs's kernel sizes the padding with the dilations but indexes as if they were 1 (the gradient
    // rejects dilations > 1 before it gets here); those calls keep tfjs's result.
    if (!allFloat32(x, dy) || !unitDilations(dilations)) return original(args);
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, true);
    if (!util.arraysEqual(dy.shape, info.outShape)) return original(args); // dy not of this geometry: tfjs's result stands
    const dW = depthwiseBackpropFilterNhwc(float32Values(args.backend, x), float32Values(args.backend, dy), info);
    return args.backend.makeTensorInfo(info.filterShape, 'float32', dW);
  },
};
