import { AvgPoolGrad, AvgPoolGradAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, forEachPoolWindow } from '../kernel_utils';

/**
 * Average-pool gradient (NHWC): each output's dy, divided by the filter area
 * (tfjs's divisor, padding included), goes to every input position of its
 * window. tfjs gathers it per input element through TensorBuffer; here each
 * output pixel scatters its dy row over its window.
 */
function avgPoolGradNhwc(dy: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inHeight, inWidth, inChannels: channels } = info;
  const dx = new Float64Array(util.sizeFromShape(info.inShape));
  forEachPoolWindow(info, (b, dyOff, xR0, xR1, xC0, xC1) => {
    for (let xR = xR0; xR < xR1; xR++) {
      for (let xC = xC0; xC < xC1; xC++) {
        const xOff = ((b * inHeight + xR) * inWidth + xC) * channels;
        for (let d = 0; d < channels; d++) dx[xOff + d] += dy[dyOff + d];
      }
    }
  });
  const multiplier = 1 / (info.filterHeight * info.filterWidth);
  const out = new Float32Array(dx.length);
  for (let i = 0; i < dx.length; i++) out[i] = dx[i] * multiplier;
  return out;
}

export const avgPoolGradKernel: FastCpuKernel = {
  kernelName: AvgPoolGrad,
  kernelFunc(args, original) {
    const { dy, input } = args.inputs;
    const { filterSize, strides, pad } = args.attrs as unknown as AvgPoolGradAttrs;
    if (!allFloat32(dy, input)) return original(args);
    const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad);
    // tfjs's AvgPool gradient drops the forward's dimRoundingMode; where dy then does not have this shape, tfjs's result stands.
    if (!util.arraysEqual(dy.shape, info.outShape)) return original(args);
    return args.backend.makeTensorInfo(input.shape, 'float32', avgPoolGradNhwc(float32Values(args.backend, dy), info));
  },
};
