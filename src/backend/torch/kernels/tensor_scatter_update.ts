import { TensorScatterUpdate, TensorScatterUpdateInputs, backend_util, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** A copy of tensor with the slices its index tuples address replaced by the updates. */
export const tensorScatterUpdateConfig = torchKernel<TensorScatterUpdateInputs>(
  TensorScatterUpdate,
  ({ tensor, indices: rawIndices, updates }, backend) =>
    composed(backend, (s) => {
      backend_util.calculateShapes(updates, rawIndices, tensor.shape); // tfjs's shape checks and messages
      const indices = s.scatterTuples(rawIndices);
      const depth = indices.shape[indices.shape.length - 1];
      const sliceSize = util.sizeFromShape(tensor.shape.slice(depth));
      const rows = s.reshape(tensor, [util.sizeFromShape(tensor.shape.slice(0, depth)), sliceSize]);
      const rowIds = s.rowIndices(indices, tensor.shape);
      const slices = s.reshape(updates, [util.sizeFromShape(rowIds.shape), sliceSize]);
      return s.reshape(s.op('IndexPut', [rows, rowIds, slices]), tensor.shape);
    }),
);
