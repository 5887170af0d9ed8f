import { TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend';
import { Scope, composed } from './scope';

/**
 * The native convolutions take NHWC (channels-last) tensors, tfjs's own
 * layout; NCHW calls (tfjs's dataFormat option) are permuted around them.
 */
const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

export function isNCHW(dataFormat: string | undefined): boolean {
  return dataFormat === 'NCHW' || dataFormat === 'channelsFirst';
}

/** An NCHW shape as NHWC. */
export function nhwcShape(shape: number[]): number[] {
  return TO_NHWC.map((d) => shape[d]);
}

/**
 * Conv parameters for the NHWC view of an NCHW call: explicit pads are
 * listed per axis in the data format's order.
 */
export function nhwcParams<P extends { pad: unknown; dataFormat?: string }>(p: P): P {
  const pad = Array.isArray(p.pad) ? TO_NHWC.map((d) => (p.pad as unknown[])[d]) : p.pad;
  return { ...p, pad, dataFormat: 'NHWC' };
}

/**
 * A tensor added to or multiplied with an NCHW result (bias, PReLU weights),
 * for the NHWC one: as in tfjs, a 1-D one is per channel, any other broadcasts.
 */
export function nhwcOperand(s: Scope, t: TensorInfo): TensorInfo {
  if (t.shape.length === 1) return t;
  const rank4 = [...Array<number>(4 - t.shape.length).fill(1), ...t.shape];
  return s.transpose(s.reshape(t, rank4), TO_NHWC);
}

/** Runs an NHWC computation for NCHW tensors: `toNHWC` permutes an input, the result is permuted back. */
export function viaNHWC(backend: TorchBackend, run: (s: Scope, toNHWC: (t: TensorInfo) => TensorInfo) => TensorInfo): TensorInfo {
  return composed(backend, (s) => s.transpose(run(s, (t) => s.transpose(t, TO_NHWC)), TO_NCHW));
}
