import { Add, Multiply, RealDiv, Sub, backend_util, util } from '@tensorflow/tfjs-core';
import { FastCpuKernel, allFloat32, float32Values, rowMajorStrides, walkRows } from '../kernel_utils';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * Per-dimension strides of an operand broadcast to outShape: its own
 * row-major stride, or 0 where it has size 1 (or lacks the leading dimension).
 */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = rowMajorStrides(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : own[d - lead]));
}

/** One output row: out[o + i] = a[aOff + i * aStep] op b[bOff + i * bStep]; one loop per op so each stays monomorphic. */
function binaryRow(op: BinaryOp, out: Float32Array, o: number, n: number, a: Float32Array, aOff: number, aStep: number, b: Float32Array, bOff: number, bStep: number): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[o + i] = a[aOff + i * aStep] + b[bOff + i * bStep];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[o + i] = a[aOff + i * aStep] - b[bOff + i * bStep];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[o + i] = a[aOff + i * aStep] * b[bOff + i * bStep];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[o + i] = a[aOff + i * aStep] / b[bOff + i * bStep];
      break;
  }
}

/**
 * A float32 binary op between tensors of different shapes. tfjs's cpu
 * kernels compute every broadcast element through indexToLoc and locToIndex
 * (batch norm's and squeeze-excitation's per-channel products go that way);
 * here the output is walked row by row with each operand's broadcast strides.
 * Other dtypes stay with tfjs.
 */
function broadcastBinaryKernel(kernelName: string, op: BinaryOp): FastCpuKernel {
  return {
    kernelName,
    kernelFunc(args, original) {
      const { a, b } = args.inputs;
      if (!allFloat32(a, b)) return original(args);
      if (util.arraysEqual(a.shape, b.shape)) {
        // tfjs's loop for equal shapes takes a modulo per element; this one is the plain loop.
        const out = new Float32Array(util.sizeFromShape(a.shape));
        binaryRow(op, out, 0, out.length, float32Values(args.backend, a), 0, 1, float32Values(args.backend, b), 0, 1);
        return args.backend.makeTensorInfo(a.shape, 'float32', out);
      }
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = new Float32Array(util.sizeFromShape(outShape));
      if (out.length > 0) {
        const aVals = float32Values(args.backend, a);
        const bVals = float32Values(args.backend, b);
        const aStrides = broadcastStrides(a.shape, outShape);
        const bStrides = broadcastStrides(b.shape, outShape);
        const last = outShape.length - 1;
        const n = outShape[last];
        walkRows(outShape, [aStrides, bStrides], (row, [aOff, bOff]) =>
          binaryRow(op, out, row * n, n, aVals, aOff, aStrides[last], bVals, bOff, bStrides[last]),
        );
      }
      return args.backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

export const addKernel = broadcastBinaryKernel(Add, 'add');
export const subKernel = broadcastBinaryKernel(Sub, 'sub');
export const multiplyKernel = broadcastBinaryKernel(Multiply, 'mul');
export const realDivKernel = broadcastBinaryKernel(RealDiv, 'div');
