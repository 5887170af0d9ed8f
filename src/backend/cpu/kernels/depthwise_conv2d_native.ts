import { DepthwiseConv2dNative, DepthwiseConv2dNativeAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, forEachConvTap, toFloat32 } from '../kernel_utils';

/**
 * Depthwise conv (NHWC, filter [fH, fW, inC, chMul]): output channel
 * d1 * chMul + q reads input channel d1 only. Per output pixel and filter
 * tap, one sweep along the channels, contiguous in x, the filter and y.
 */
function depthwiseConv2dNhwc(x: Float32Array, w: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const chMul = outChannels / inChannels;
  const y = new Float64Array(util.sizeFromShape(info.outShape));
  forEachConvTap(info, (xOff, tap, yOff) => {
    const wOff = tap * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++) {
      const xv = x[xOff + d1];
      const o = d1 * chMul;
      for (let q = 0; q < chMul; q++) y[yOff + o + q] += xv * w[wOff + o + q];
    }
  });
  return toFloat32(y);
}

export const depthwiseConv2dNativeKernel: FastCpuKernel = {
  kernelName: DepthwiseConv2dNative,
  kernelFunc(args, original) {
    const { x, filter } = args.inputs;
    const { strides, pad, dilations, dimRoundingMode } = args.attrs as unknown as DepthwiseConv2dNativeAttrs;
    const $dilations = dilations ?? [1, 1];
    // tfjs rejects strides and dilations both > 1 (its error then); its cpu kernel reads NHWC whatever dataFormat says.
    if (!allFloat32(x, filter) || !backend_util.eitherStridesOrDilationsAreOne(strides, $dilations)) return original(args);
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4, filter.shape as Shape4, strides, $dilations, pad, dimRoundingMode, true,
    );
    const y = depthwiseConv2dNhwc(float32Values(args.backend, x), float32Values(args.backend, filter), info);
    return args.backend.makeTensorInfo(info.outShape, 'float32', y);
  },
};
