import { DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropInputAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, toFloat32, unitDilations } from '../kernel_utils';

/**
 * dx[b, xR, xC, d1] = sum over the taps that read it and q of
 * W[wR, wC, d1, q] * dy[b, yR, yC, d1 * chMul + q], scattered from each output
 * pixel along the channels (contiguous in dy, the filter and dx).
 */
function depthwiseBackpropInputNhwc(dy: Float32Array, w: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const chMul = outChannels / inChannels;
  const dx = new Float64Array(batchSize * inHeight * inWidth * inChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight - top + wR;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth - left + wC;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            if (chMul === 1) {
              for (let d = 0; d < inChannels; d++) dx[xOff + d] += w[wOff + d] * dy[dyOff + d];
            } else {
              for (let d1 = 0; d1 < inChannels; d1++) {
                const o = d1 * chMul;
                let dot = 0;
                for (let q = 0; q < chMul; q++) dot += w[wOff + o + q] * dy[dyOff + o + q];
                dx[xOff + d1] += dot;
              }
            }
          }
        }
      }
    }
  }
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
