import { GatherNd, GatherNdInputs, backend_util, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** Each index tuple addresses one slice of params viewed as [rows, slice]: a row gather. */
export const gatherNdConfig = torchKernel<GatherNdInputs>(GatherNd, ({ params, indices }, backend) =>
  composed(backend, (s) => {
    backend_util.prepareAndValidate(params, indices); // tfjs's shape checks and messages
    const depth = indices.shape[indices.shape.length - 1];
    const sliceShape = params.shape.slice(depth);
    const rows = s.reshape(params, [util.sizeFromShape(params.shape.slice(0, depth)), util.sizeFromShape(sliceShape)]);
    const picked = s.gather(rows, s.rowIndices(indices, params.shape), 0);
    return s.reshape(picked, [...indices.shape.slice(0, -1), ...sliceShape]);
  }),
);
