import { BatchMatMul, BatchMatMulAttrs, BatchMatMulInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const batchMatMulConfig = torchKernel<BatchMatMulInputs, BatchMatMulAttrs>(BatchMatMul, ({ a, b }, backend, attrs) =>
  backend.execute1(BatchMatMul, [a, b], { transposeA: attrs.transposeA, transposeB: attrs.transposeB }),
);
