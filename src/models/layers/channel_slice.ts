/** Channels [start, start+size) of an NHWC tensor: the split of ShuffleNet v2 units and of the DResNet module's 1×1/3×3 paths. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export class ChannelSlice extends tfl.layers.Layer {
  static readonly className = 'ChannelSlice';
  readonly start: number;
  readonly size: number;

  constructor(args: { start: number; size: number; name?: string }) {
    super({ name: args.name });
    this.start = args.start;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = [...(inputShape as tfl.Shape)];
    shape[shape.length - 1] = this.size;
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.start : 0));
    const size = x.shape.map((d, i) => (i === x.rank - 1 ? this.size : d));
    return tf.slice(x, begin, size);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}
tf.serialization.registerClass(ChannelSlice);

/** Splits x's channels into consecutive parts of the given sizes. */
export function splitChannels(x: tfl.SymbolicTensor, sizes: number[], name: string): tfl.SymbolicTensor[] {
  let start = 0;
  return sizes.map((size, i) => {
    const part = new ChannelSlice({ start, size, name: `${name}.split${i}` }).apply(x) as tfl.SymbolicTensor;
    start += size;
    return part;
  });
}
