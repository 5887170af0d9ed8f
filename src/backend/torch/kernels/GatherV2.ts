import { GatherV2, GatherV2Attrs, GatherV2Inputs } from '@tensorflow/tfjs-core';
import { oneAxis, torchKernel } from '../kernel_utils';

export const gatherV2Config = torchKernel<GatherV2Inputs, GatherV2Attrs>(GatherV2, ({ x, indices }, backend, { axis, batchDims }) =>
  backend.execute1(GatherV2, [x, indices], { axis: oneAxis(axis, x.shape), batchDims }),
);
