import { MirrorPad, MirrorPadAttrs, MirrorPadInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { Scope, composed } from '../scope';

/**
 * One axis at a time: the mirrored strips before and after, concatenated
 * around x. 'reflect' leaves the edge element out of the mirror, 'symmetric' repeats it.
 */
function padAxis(s: Scope, x: TensorInfo, axis: number, [before, after]: [number, number], edge: number): TensorInfo {
  const strip = (start: number, length: number) => {
    const begin = x.shape.map((_, d) => (d === axis ? start : 0));
    const size = x.shape.map((n, d) => (d === axis ? length : n));
    return s.op('Reverse', [s.op('Slice', [x], { begin, size })], { dims: [axis] });
  };
  const size = x.shape[axis];
  return s.op('Concat', [strip(edge, before), x, strip(size - after - edge, after)], { axis });
}

export const mirrorPadConfig = torchKernel<MirrorPadInputs, MirrorPadAttrs>(MirrorPad, ({ x }, backend, { paddings, mode }) =>
  composed(backend, (s) => paddings.reduce((y, pads, axis) => padAxis(s, y, axis, pads, mode === 'reflect' ? 1 : 0), x)),
);
