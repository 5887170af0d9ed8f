import { Conv2D, Conv2DAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, channelsLast, float32Values, forEachConvTap, toFloat32 } from '../kernel_utils';

/**
 * Conv2D (NHWC) for each output pixel: the filter taps that land inside the
 * input, each an input-channel x output-channel block swept along the output
 * channels (contiguous in both the filter and the accumulator).
 */
function conv2dNhwc(x: Float32Array, w: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inChannels, outChannels } = info;
  const y = new Float64Array(util.sizeFromShape(info.outShape));
  forEachConvTap(info, (xOff, tap, yOff) => {
    let wOff = tap * inChannels * outChannels;
    for (let d1 = 0; d1 < inChannels; d1++, wOff += outChannels) {
      const xv = x[xOff + d1];
      for (let d2 = 0; d2 < outChannels; d2++) y[yOff + d2] += xv * w[wOff + d2];
    }
  });
  return toFloat32(y);
}

export const conv2dKernel: FastCpuKernel = {
  kernelName: Conv2D,
  kernelFunc(args, original) {
    const { x, filter } = args.inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
    if (!allFloat32(x, filter)) return original(args);
    const info = channelsLast(
      backend_util.computeConv2DInfo(
        x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false,
        backend_util.convertConv2DDataFormat(dataFormat),
      ),
    );
    if (!info) return original(args);
    const y = conv2dNhwc(float32Values(args.backend, x), float32Values(args.backend, filter), info);
    return args.backend.makeTensorInfo(info.outShape, 'float32', y);
  },
};
