import { Tile, TileAttrs, TypedArray, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, rowMajorStrides, walkRows } from '../kernel_utils';

/**
 * Tile as a strided gather. Output dimension d of size reps[d] * shape[d]
 * is walked as two, the repeat (input stride 0) outside the input's own
 * (its stride), which keeps the output in row-major order. tfjs maps every
 * output element through indexToLoc and a modulo per dimension; broadcastTo
 * is Tile, so the Sum and Mean gradients of src/ops/reduction_grad.ts (each
 * SE block's global pool, batch norm's statistics) spend their time there.
 */
export function tileValues(x: TypedArray, shape: readonly number[], reps: readonly number[]): { values: TypedArray; shape: number[] } {
  const outShape = shape.map((s, d) => s * reps[d]);
  const out = new (x.constructor as new (n: number) => TypedArray)(util.sizeFromShape(outShape));
  if (out.length === 0 || shape.length === 0) {
    if (out.length > 0) out[0] = x[0];
    return { values: out, shape: outShape };
  }
  const xStrides = rowMajorStrides(shape);
  const walkShape = shape.flatMap((s, d) => [reps[d], s]);
  const readStrides = xStrides.flatMap((s) => [0, s]);
  const n = shape[shape.length - 1];
  walkRows(walkShape, [readStrides], (row, [off]) => {
    out.set(x.subarray(off, off + n), row * n);
  });
  return { values: out, shape: outShape };
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
