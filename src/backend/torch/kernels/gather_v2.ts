import { GatherV2, GatherV2Attrs, GatherV2Inputs, TensorInfo, backend_util, util } from '@tensorflow/tfjs-core';
import { TorchBackend } from '../backend';
import { oneAxis, torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** tfjs's bounds check of the index values (a host read, so only where needed). */
function checkIndices(backend: TorchBackend, indices: TensorInfo, axisSize: number): void {
  for (const index of backend.readSync(indices.dataId) as Int32Array) {
    util.assert(index >= 0 && index <= axisSize - 1, () => `GatherV2: the index value ${index} is not in [0, ${axisSize - 1}]`);
  }
}

/**
 * With batch dims, x is [batch, outer, dim, slice] and indices [batch, n]:
 * row (b * outer + o) * dim + indices[b, i] of x viewed as [rows, slice].
 */
function batchedGather(backend: TorchBackend, x: TensorInfo, indices: TensorInfo, info: backend_util.segment_util.GatherOpShapeInfo): TensorInfo {
  const { batchSize: b, outerSize: o, dimSize: d, sliceSize } = info;
  checkIndices(backend, indices, d);
  return composed(backend, (s) => {
    const n = util.sizeFromShape(indices.shape) / b;
    const firstRows = Int32Array.from({ length: b * o }, (_, k) => k * d);
    const rows = s.op('Add', [s.reshape(indices, [b, 1, n]), s.values([b, o, 1], 'int32', firstRows)]);
    const picked = s.gather(s.reshape(x, [b * o * d, sliceSize]), s.reshape(rows, [b * o * n]), 0);
    return s.reshape(picked, info.outputShape);
  });
}

export const gatherV2Config = torchKernel<GatherV2Inputs, GatherV2Attrs>(GatherV2, ({ x, indices }, backend, attrs) => {
  const axis = oneAxis(attrs.axis, x.shape);
  const batchDims = attrs.batchDims ?? 0;
  const info = backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, batchDims);
  if (batchDims !== 0) return batchedGather(backend, x, indices, info);
  try {
    return backend.execute1(GatherV2, [x, indices], { axis, batchDims: 0 });
  } catch (err) {
    checkIndices(backend, indices, x.shape[axis]); // tfjs's message when an index is out of range
    throw err;
  }
});
