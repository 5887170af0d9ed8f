import { Tile, TileAttrs, TypedArray } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, stridedGather } from '../kernel_utils';

/**
 * Tile as a strided gather (kernel_utils). Output dimension d of size
 * reps[d] * shape[d] is walked as two, the repeat (input stride 0) outside
 * the input's own (its stride), which keeps the output in row-major order. tfjs maps every
 * output element through indexToLoc and a modulo per dimension; broadcastTo
 * is Tile, so the Sum and Mean gradients of src/ops/reduction_grad.ts (each
 * SE block's global pool, batch norm's statistics) spend their time there.
 */
export function tileValues(x: TypedArray, shape: readonly number[], reps: readonly number[]): { values: TypedArray; shape: number[] } {
  const walkShape = shape.flatMap((s, d) => [reps[d], s]);
  const readStrides = rowMajorStrides(shape).flatMap((s) => [0, s]);
  return { values: stridedGather(x, walkShape, readStrides), shape: shape.map((s, d) => s * reps[d]) };
}

export const tileKernel: FastCpuKernel = {
  kernelName: Tile,
  kernelFunc(args, original) {
    const { x } = args.inputs;
    const { reps } = args.attrs as unknown as TileAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return original(args);
    const vals = args.backend.data.get(x.dataId).values as TypedArray;
    const { values, shape } = tileValues(vals, x.shape, reps);
    return args.backend.makeTensorInfo(shape, x.dtype, values);
  },
};
