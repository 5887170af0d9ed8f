/** ShuffleNet's channel shuffle: [.., G·k] → view [.., G, k] → transpose → [.., k·G], so the next grouped conv sees every group. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export class ChannelShuffle extends tfl.layers.Layer {
  static readonly className = 'ChannelShuffle';
  readonly groups: number;

  constructor(args: { groups: number; name?: string }) {
    super({ name: args.name });
    this.groups = args.groups;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const grouped = tf.reshape(x, [n, h, w, this.groups, c / this.groups]);
      return tf.reshape(tf.transpose(grouped, [0, 1, 2, 4, 3]), [n, h, w, c]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups };
  }
}
tf.serialization.registerClass(ChannelShuffle);
