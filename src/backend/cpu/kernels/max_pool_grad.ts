import { MaxPoolGrad, MaxPoolGradAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, Shape4, allFloat32, float32Values, forEachPoolWindow, toFloat32 } from '../kernel_utils';

/**
 * Max-pool gradient (NHWC): each output's dy goes to the input position of
 * its window's maximum. As in tfjs, the maximum is the first in row-major
 * window order that is strictly greater than all before it (so ties, common
 * after a ReLU, go to the first), and a window with no value above -Infinity
 * passes nothing. tfjs finds the positions and gathers dx element by element
 * through TensorBuffer; here each output pixel scans its window once for all
 * channels and scatters dy.
 */
function maxPoolGradNhwc(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { inHeight, inWidth, inChannels: channels } = info;
  const dx = new Float64Array(util.sizeFromShape(info.inShape));
  const maxValue = new Float64Array(channels);
  const maxAt = new Int32Array(channels);
  forEachPoolWindow(info, (b, dyOff, xR0, xR1, xC0, xC1) => {
    maxValue.fill(-Infinity);
    maxAt.fill(-1);
    for (let xR = xR0; xR < xR1; xR++) {
      for (let xC = xC0; xC < xC1; xC++) {
        const xOff = ((b * inHeight + xR) * inWidth + xC) * channels;
        for (let d = 0; d < channels; d++) {
          const v = x[xOff + d];
          if (v > maxValue[d]) {
            maxValue[d] = v;
            maxAt[d] = xOff + d;
          }
        }
      }
    }
    for (let d = 0; d < channels; d++) if (maxAt[d] >= 0) dx[maxAt[d]] += dy[dyOff + d];
  });
  return toFloat32(dx);
}

export const maxPoolGradKernel: FastCpuKernel = {
  kernelName: MaxPoolGrad,
  kernelFunc(args, original) {
    const { dy, input } = args.inputs;
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
    if (!allFloat32(dy, input)) return original(args);
    const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    if (!util.arraysEqual(dy.shape, info.outShape)) return original(args); // tfjs's (shape-mismatched) result stands
    const dx = maxPoolGradNhwc(float32Values(args.backend, input), float32Values(args.backend, dy), info);
    return args.backend.makeTensorInfo(input.shape, 'float32', dx);
  },
};
