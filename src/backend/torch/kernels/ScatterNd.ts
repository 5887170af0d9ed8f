import { ScatterNd, ScatterNdAttrs, ScatterNdInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** Sums each update slice into the row its index tuple addresses (duplicates add up, as in tfjs). */
export const scatterNdConfig = torchKernel<ScatterNdInputs, ScatterNdAttrs>(ScatterNd, ({ indices, updates }, backend, { shape }) =>
  composed(backend, (s) => {
    const depth = indices.shape[indices.shape.length - 1];
    const rows = util.sizeFromShape(shape.slice(0, depth));
    const sliceSize = util.sizeFromShape(shape.slice(depth));
    const rowIds = s.rowIndices(indices, shape);
    const slices = s.reshape(updates, [util.sizeFromShape(rowIds.shape), sliceSize]);
    return s.reshape(s.indexAdd(slices, rowIds, 0, rows), shape);
  }),
);
