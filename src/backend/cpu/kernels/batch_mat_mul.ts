import { BatchMatMul, BatchMatMulAttrs, broadcast_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, allFloat32, float32Values } from '../kernel_utils';

interface MatMulGeometry {
  batch: number;
  batchA: number;
  batchB: number;
  /** Rows of the output (of op(A)), columns (of op(B)), and the shared dimension. */
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Batched op(A) x op(B) in float64 per output element. Without transposeB,
 * each output row is built as a sum of rows of B scaled by A's entries (the
 * inner loop runs along B's and the row's contiguous columns); with it, as
 * dot products along the shared dimension, contiguous in B. tfjs runs one
 * blocked loop with strided reads of both for every layout. Batches repeat
 * modulo each operand's batch size, as in tfjs.
 */
function batchMatMul(a: Float32Array, b: Float32Array, g: MatMulGeometry): Float32Array {
  const { batch, batchA, batchB, m, n, k, transposeA, transposeB } = g;
  const out = new Float32Array(batch * m * n);
  const row = new Float64Array(n);
  const aRowStep = transposeA ? 1 : k;
  const aInnerStep = transposeA ? m : 1;
  for (let bi = 0; bi < batch; bi++) {
    const aBase = (bi % batchA) * m * k;
    const bBase = (bi % batchB) * k * n;
    for (let i = 0; i < m; i++) {
      const aRow = aBase + i * aRowStep;
      const o = (bi * m + i) * n;
      if (!transposeB) {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          const av = a[aRow + p * aInnerStep];
          const bRow = bBase + p * n;
          for (let j = 0; j < n; j++) row[j] += av * b[bRow + j];
        }
        for (let j = 0; j < n; j++) out[o + j] = row[j];
      } else {
        for (let j = 0; j < n; j++) {
          const bRow = bBase + j * k;
          let dot = 0;
          for (let p = 0; p < k; p++) dot += a[aRow + p * aInnerStep] * b[bRow + p];
          out[o + j] = dot;
        }
      }
    }
  }
  return out;
}

export const batchMatMulKernel: FastCpuKernel = {
  kernelName: BatchMatMul,
  kernelFunc(args, original) {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (!allFloat32(a, b)) return original(args);
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    // Mismatched inner sizes: tfjs's kernel throws its error.
    if (k !== (transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2])) return original(args);
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const outShape = broadcast_util.assertAndGetBroadcastShape(outerA, outerB).concat([m, n]);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    const geometry = { batch: Math.max(batchA, batchB), batchA, batchB, m, n, k, transposeA, transposeB };
    // Batch shapes that both broadcast (e.g. [2, 1] and [1, 3]) are beyond tfjs's modulo indexing: its kernel decides.
    if (geometry.batch !== util.sizeFromShape(outShape.slice(0, -2))) return original(args);
    const out = batchMatMul(float32Values(args.backend, a), float32Values(args.backend, b), geometry);
    return args.backend.makeTensorInfo(outShape, 'float32', out);
  },
};
