import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { KernelFunc, NamedAttrMap, TensorInfo, TypedArray, backend_util, util } from '@tensorflow/tfjs-core';

export type Shape4 = [number, number, number, number];

/** What a kernel function of the cpu backend is called with. */
export interface CpuKernelArgs {
  /** The kernels here are called with all their inputs (tfjs's NamedTensorInfoMap allows none). */
  inputs: Record<string, TensorInfo>;
  backend: MathBackendCPU;
  attrs: NamedAttrMap;
}

/**
 * A faster implementation of one of tfjs-backend-cpu's kernels. It handles the
 * cases it was written for and hands every other one (NCHW, complex or string
 * dtypes, ...) to tfjs's own kernel, `original`, so the override never narrows
 * what the cpu backend supports.
 */
export interface FastCpuKernel {
  kernelName: string;
  kernelFunc: (args: CpuKernelArgs, original: KernelFunc) => TensorInfo | TensorInfo[];
}

/** The Float32Array behind a float32 tensor of the cpu backend. */
export function float32Values(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

/** Whether every tensor is float32 (the only dtype the fast paths take; tfjs's kernels do the rest). */
export function allFloat32(...ts: TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/**
 * Rounds a float64 accumulator to the float32 output. The fast kernels sum in
 * float64, as tfjs's own dot-product loops do (a JS number), so that summing
 * in another order than tfjs changes the result by no more than its rounding.
 */
export function toFloat32(acc: Float64Array): Float32Array {
  return Float32Array.from(acc);
}

/** tfjs's convolution geometry (padding, output size) for NHWC, or undefined for NCHW. */
export function channelsLast(info: backend_util.Conv2DInfo): backend_util.Conv2DInfo | undefined {
  return info.dataFormat === 'channelsLast' ? info : undefined;
}

/** Whether a dilations attribute (number, pair or absent) is 1 in both dimensions. */
export function unitDilations(dilations: number | [number, number] | undefined): boolean {
  if (dilations === undefined) return true;
  return typeof dilations === 'number' ? dilations === 1 : dilations[0] === 1 && dilations[1] === 1;
}

/**
 * Walks the rows (every index of all but the last dimension) of `shape` in
 * row-major order and calls visit(row, offsets) with, for each operand, the
 * offset of the row's first element under that operand's strides (one stride
 * per dimension of `shape`; 0 where the operand is broadcast or reduced).
 * This replaces tfjs's per-element indexToLoc/locToIndex with one step of an
 * odometer per row; the caller sweeps the last dimension itself.
 */
export function walkRows(shape: readonly number[], strides: readonly (readonly number[])[], visit: (row: number, offsets: number[]) => void): void {
  const rank = shape.length;
  const rows = rank === 0 ? 1 : shape.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  if (rank > 0 && shape[rank - 1] === 0) return;
  const offsets = strides.map(() => 0);
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let row = 0; row < rows; row++) {
    visit(row, offsets);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      for (let k = 0; k < strides.length; k++) offsets[k] += strides[k][d];
      if (index[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) offsets[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * A strided gather: a new array laid out in walkShape's row-major order whose
 * element at index (i0, i1, ...) is x[start + i0 * readStrides[0] + ...].
 * Transpose (the strides permuted), Slice (a box read from its corner) and
 * Tile (each dimension walked as repeat x size, the repeat with stride 0)
 * are each one; a row whose stride is 1 is one contiguous copy.
 */
export function stridedGather(x: TypedArray, walkShape: readonly number[], readStrides: readonly number[], start = 0): TypedArray {
  const out = new (x.constructor as new (n: number) => TypedArray)(util.sizeFromShape([...walkShape]));
  if (out.length === 0) return out;
  if (walkShape.length === 0) {
    out[0] = x[start];
    return out;
  }
  const last = walkShape.length - 1;
  const n = walkShape[last];
  const step = readStrides[last];
  walkRows(walkShape, [readStrides], (row, [off]) => {
    const from = start + off;
    const o = row * n;
    if (step === 1) out.set(x.subarray(from, from + n), o);
    else for (let i = 0; i < n; i++) out[o + i] = x[from + i * step];
  });
  return out;
}

/** Row-major strides of a shape, the last one 1 (tfjs's computeStrides leaves it out). */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/**
 * The loop every convolution kernel here shares (forward and both gradients,
 * dense and depthwise): for each output pixel and each filter tap whose input
 * pixel lies inside the input (padding reads nothing), visit(xOff, tap, yOff)
 * with the NHWC offsets of that input pixel's and that output pixel's channel
 * rows and the tap's index wR * filterWidth + wC. The kernels sweep the
 * channels themselves, which is where the time goes.
 */
export function forEachConvTap(info: backend_util.Conv2DInfo, visit: (xOff: number, tap: number, yOff: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const yOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight - top + wR * dilationHeight;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth - left + wC * dilationWidth;
            if (xC < 0 || xC >= inWidth) continue;
            visit(((b * inHeight + xR) * inWidth + xC) * inChannels, wR * filterWidth + wC, yOff);
          }
        }
      }
    }
  }
}

/**
 * The loop both pooling gradients share: for each output pixel,
 * visit(b, yOff, xR0, xR1, xC0, xC1) with its NHWC channel-row offset in dy
 * and its window clipped to the input (rows xR0..xR1-1, columns xC0..xC1-1).
 */
export function forEachPoolWindow(
  info: backend_util.Conv2DInfo,
  visit: (b: number, yOff: number, xR0: number, xR1: number, xC0: number, xC1: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const xR0 = Math.max(0, yR * strideHeight - top);
      const xR1 = Math.min(inHeight, yR * strideHeight - top + effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const xC0 = Math.max(0, yC * strideWidth - left);
        const xC1 = Math.min(inWidth, yC * strideWidth - left + effectiveFilterWidth);
        visit(b, ((b * outHeight + yR) * outWidth + yC) * inChannels, xR0, xR1, xC0, xC1);
      }
    }
  }
}
