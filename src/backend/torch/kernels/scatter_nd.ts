import { ScatterNd, ScatterNdAttrs, ScatterNdInputs, backend_util, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** Sums each update slice into the row its index tuple addresses (duplicates add up, as in tfjs). */
export const scatterNdConfig = torchKernel<ScatterNdInputs, ScatterNdAttrs>(ScatterNd, ({ indices: rawIndices, updates }, backend, { shape }) =>
  composed(backend, (s) => {
    backend_util.calculateShapes(updates, rawIndices, shape); // tfjs's shape checks and messages
    const indices = s.scatterTuples(rawIndices);
    const depth = indices.shape[indices.shape.length - 1];
    const rows = util.sizeFromShape(shape.slice(0, depth));
    const sliceSize = util.sizeFromShape(shape.slice(depth));
    const rowIds = s.rowIndices(indices, shape);
    const slices = s.reshape(updates, [util.sizeFromShape(rowIds.shape), sliceSize]);
    return s.reshape(s.indexAdd(slices, rowIds, 0, rows), shape);
  }),
);
