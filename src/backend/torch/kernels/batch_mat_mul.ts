import { BatchMatMul, BatchMatMulAttrs, BatchMatMulInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const batchMatMulConfig = torchKernel<BatchMatMulInputs, BatchMatMulAttrs>(BatchMatMul, ({ a, b }, backend, attrs) => {
  // tfjs's check: ATen's matmul would also accept vectors and give a different shape.
  const innerA = a.shape[a.shape.length - (attrs.transposeA ? 2 : 1)];
  const innerB = b.shape[b.shape.length - (attrs.transposeB ? 1 : 2)];
  util.assert(
    innerA === innerB,
    () => `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
      `transposeA=${attrs.transposeA} and transposeB=${attrs.transposeB} must match.`,
  );
  return backend.execute1(BatchMatMul, [a, b], { transposeA: attrs.transposeA, transposeB: attrs.transposeB });
});
