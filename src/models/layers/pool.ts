/** Max pooling with torch's explicit padding and ceil mode, which tfjs's 'same'/'valid' cannot express. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { convOutputLength } from './grouped_conv2d';

export interface MaxPoolArgs { poolSize: number; strides: number; padding: number; ceilMode?: boolean }

type Pads = [[number, number], [number, number]];

/**
 * Max pooling over explicitly padded windows: padded positions never count,
 * as torch's −∞ padding (tfjs's explicit padding; a backend pools in place,
 * with no padded copy of the input). The padding after may be larger than
 * before: ceil mode's extra rows and columns.
 */
export class PaddedMaxPool2D extends tfl.layers.Layer {
  static readonly className = 'PaddedMaxPool2D';
  readonly poolSize: number;
  readonly strides: number;
  readonly pads: Pads;

  constructor(args: { poolSize: number; strides: number; pads: Pads; name?: string }) {
    super({ name: args.name });
    this.poolSize = args.poolSize;
    this.strides = args.strides;
    this.pads = args.pads;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const out = (length: number | null, pads: [number, number]) => (length == null ? null : convOutputLength(length, this.poolSize, this.strides, pads));
    return [n, out(h, this.pads[0]), out(w, this.pads[1]), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const [rows, cols] = this.pads;
    return tf.maxPool(x, this.poolSize, this.strides, [[0, 0], rows, cols, [0, 0]]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, pads: this.pads };
  }
}
tf.serialization.registerClass(PaddedMaxPool2D);

/**
 * torch's MaxPool2d(k, s, padding=p, ceil_mode): in ceil mode the extra
 * bottom/right rows make the last partial window count (Table 1: 112 → 57
 * with 3×3/2, pad 1).
 */
export function maxPoolPadded(x: tfl.SymbolicTensor, args: MaxPoolArgs, name: string): tfl.SymbolicTensor {
  const { poolSize: k, strides: s, padding: p } = args;
  const size = x.shape[1] as number;
  const out = args.ceilMode ? Math.ceil((size + 2 * p - k) / s) + 1 : Math.floor((size + 2 * p - k) / s) + 1;
  const after = Math.max(p, (out - 1) * s + k - size - p);
  return new PaddedMaxPool2D({ poolSize: k, strides: s, pads: [[p, after], [p, after]], name }).apply(x) as tfl.SymbolicTensor;
}
