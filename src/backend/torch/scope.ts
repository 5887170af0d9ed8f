import { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend';
import type { NativeAttrs } from './binding';
import type { NativeOp } from './native_ops';

/**
 * For kernels composed of several native ops: every tensor made through the
 * scope is an intermediate, freed when the kernel returns, except the result.
 */
export class Scope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: TorchBackend) {}

  op(name: NativeOp, inputs: Array<TensorInfo | undefined>, attrs: NativeAttrs = {}): TensorInfo {
    return this.track(this.backend.execute1(name, inputs, attrs));
  }

  /** A constant computed in JS (index tables, weights, masks). */
  values(shape: number[], dtype: DataType, values: Float32Array | Int32Array | Uint8Array): TensorInfo {
    return this.track(this.backend.makeTensorInfo(shape, dtype, values));
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.op('Reshape', [x], { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.op('Transpose', [x], { perm });
  }

  /** Rows of `x` along `axis` picked by an int32 index tensor. */
  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    return this.op('GatherV2', [x, indices], { axis, batchDims: 0 });
  }

  /** Sums the slices of `x` along `axis` into `size` slots picked by `indices` (out of range: dropped). */
  indexAdd(x: TensorInfo, indices: TensorInfo, axis: number, size: number): TensorInfo {
    return this.op('IndexAdd', [x, indices], { axis, size });
  }

  /**
   * Row numbers of the slices that index tuples (the last axis of `indices`,
   * tfjs gatherND/scatterND style) address in a tensor of `shape` viewed as
   * [rows, slice]: one int32 per tuple.
   */
  rowIndices(indices: TensorInfo, shape: number[]): TensorInfo {
    const depth = indices.shape[indices.shape.length - 1];
    const strides = new Int32Array(depth);
    for (let k = depth - 1, stride = 1; k >= 0; stride *= shape[k], k--) strides[k] = stride;
    const rows = this.op('Sum', [this.op('Multiply', [indices, this.values([depth], 'int32', strides)])], {
      axis: [indices.shape.length - 1],
      keepDims: false,
    });
    return this.reshape(rows, [-1]);
  }

  /** scatterND's index tuples as [n, depth]: a rank-1 `indices` holds n one-element tuples. */
  scatterTuples(indices: TensorInfo): TensorInfo {
    return indices.shape.length === 1 ? this.reshape(indices, [indices.shape[0], 1]) : indices;
  }

  private track(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** Frees every intermediate but `result`. */
  release(result?: TensorInfo | TensorInfo[]): void {
    const kept = new Set((Array.isArray(result) ? result : [result]).map((t) => t?.dataId));
    for (const t of this.temps) if (!kept.has(t.dataId)) this.backend.disposeIntermediate(t);
  }
}

/** Runs `build` in a Scope and returns its result, all intermediates freed (also on error). */
export function composed<T extends TensorInfo | TensorInfo[]>(backend: TorchBackend, build: (s: Scope) => T): T {
  const scope = new Scope(backend);
  let result: T | undefined;
  try {
    result = build(scope);
    return result;
  } finally {
    scope.release(result);
  }
}
