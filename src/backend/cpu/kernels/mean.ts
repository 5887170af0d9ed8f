import { Mean, MeanAttrs, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel } from '../kernel_utils';
import { sumOverAxes } from './sum';

/**
 * Mean of a float32 tensor: the strided sum of ./sum divided by the count.
 * tfjs divides a copy of the whole tensor, then sums it through its
 * transpose-first Sum. Other dtypes (cast to float32 first by tfjs) stay with tfjs.
 */
export const meanKernel: FastCpuKernel = {
  kernelName: Mean,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as MeanAttrs;
    if (x.dtype !== 'float32') return original(args);
    const axes = util.parseAxisParam(axis, x.shape);
    const count = util.sizeFromShape(backend_util.computeOutAndReduceShapes(x.shape, axes)[1]);
    const { sums, shape } = sumOverAxes(args.backend, x, axes, keepDims);
    const means = new Float32Array(sums.length);
    for (let i = 0; i < sums.length; i++) means[i] = sums[i] / count;
    return args.backend.makeTensorInfo(shape, 'float32', means);
  },
};
