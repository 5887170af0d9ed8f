/**
 * Dropout that draws its mask through drawPerCall (src/ops/drawn.ts), so a
 * training step recorded as a plan takes each step's mask as an input instead
 * of staying eager. Its ops are tf.dropout's (the mask from one Math.random
 * seed, multiplier floor(u + keep) / keep), so it gives tfjs-layers' Dropout's
 * values bit for bit; it is registered under that layer's class name, so
 * checkpoints written with either load as this one, and a saved model loads
 * in stock TensorFlow.js as its own Dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { drawPerCall } from '../../ops';

interface DropoutArgs {
  rate: number;
  noiseShape?: number[];
  seed?: number;
  name?: string;
}

export class Dropout extends tfl.layers.Layer {
  static readonly className = 'Dropout';
  readonly rate: number;
  readonly noiseShape?: number[];
  readonly seed?: number;

  constructor(args: DropoutArgs) {
    super({ name: args.name });
    this.rate = Math.max(Math.min(args.rate, 1), 0);
    this.noiseShape = args.noiseShape;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || !(this.rate > 0 && this.rate < 1)) return x;
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const shape = this.noiseShape?.map((d, i) => d ?? x.shape[i]) ?? x.shape;
      const uniform = drawPerCall(() => tf.randomUniform(shape, 0, 1, 'float32', this.seed));
      return tf.mul(x, tf.div(tf.floor(tf.add(uniform, keep)), keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // As tfjs-layers' Dropout writes it: unset options are left out.
    const config: tf.serialization.ConfigDict = { rate: this.rate };
    if (this.noiseShape !== undefined) config.noiseShape = this.noiseShape;
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(Dropout);
