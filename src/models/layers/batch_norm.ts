/**
 * Batch normalisation over the last (channel) axis. Training runs the
 * project's DresnetBatchNormTrain op (batch statistics, one fused kernel on
 * backends that have it) and updates the running statistics; inference uses
 * the running statistics.
 *
 * Running averages follow torch's convention: momentum 0.1 is the weight of
 * the new batch (running = 0.9·running + 0.1·batch; Keras's momentum 0.9 is
 * the same rule), and the running variance is the unbiased batch variance.
 * The ResNet/MobileNet/ShuffleNet baselines are torchvision topologies, so
 * their epsilon (1e-5) and momentum are the defaults here too.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTrain } from '../../ops';

export interface BatchNormArgs {
  momentum?: number;
  epsilon?: number;
  /** Initial scale: 0 for the last BN of a residual branch ("zero-init residual") where wanted. */
  gammaInit?: 'ones' | 'zeros';
  name?: string;
}

export class BatchNorm extends tfl.layers.Layer {
  static readonly className = 'BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly gammaInit: 'ones' | 'zeros';
  private gamma?: tfl.LayerVariable;
  private beta?: tfl.LayerVariable;
  private movingMean?: tfl.LayerVariable;
  private movingVariance?: tfl.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super({ name: args.name });
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
    this.gammaInit = args.gammaInit ?? 'ones';
    this.supportsMasking = false;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const c = shape[shape.length - 1] as number;
    const ones = tfl.initializers.ones();
    const zeros = tfl.initializers.zeros();
    this.gamma = this.addWeight('gamma', [c], 'float32', this.gammaInit === 'ones' ? ones : zeros);
    this.beta = this.addWeight('beta', [c], 'float32', zeros);
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', zeros, undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', ones, undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const gamma = this.gamma!.read() as tf.Tensor1D;
    const beta = this.beta!.read() as tf.Tensor1D;
    if (kwargs.training !== true) return this.normalizeWithRunningStats(x, gamma, beta);
    const running = { mean: this.movingMean!.read() as tf.Tensor1D, variance: this.movingVariance!.read() as tf.Tensor1D, momentum: this.momentum };
    const { y, running: updated } = batchNormTrain(x, gamma, beta, this.epsilon, running);
    this.movingMean!.write(updated!.mean);
    this.movingVariance!.write(updated!.variance);
    // The variables hold their own references now.
    tf.dispose([updated!.mean, updated!.variance]);
    return y;
  }

  /**
   * tf.batchNorm's kernel, called directly for NHWC input: the op wrapper
   * reshapes its 4-D result to the input's shape, one more kernel call per
   * layer at inference.
   */
  private normalizeWithRunningStats(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
    const [mean, variance] = [this.movingMean!.read(), this.movingVariance!.read()];
    if (x.rank !== 4) return tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon);
    const inputs = { x, mean, variance, offset: beta, scale: gamma };
    return tf.engine().runKernel(tf.FusedBatchNorm, inputs, { varianceEpsilon: this.epsilon }) as tf.Tensor;
  }

  /**
   * Inference as y = x·scale + shift per channel, from the running statistics,
   * in float64 (for folding into the convolution before it).
   */
  inferenceAffine(): { scale: Float64Array; shift: Float64Array } {
    const [gamma, beta, mean, variance] = [this.gamma, this.beta, this.movingMean, this.movingVariance].map((w) => w!.read().dataSync());
    const scale = Float64Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + this.epsilon));
    const shift = Float64Array.from(beta, (b, c) => b - mean[c] * scale[c]);
    return { scale, shift };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, gammaInit: this.gammaInit };
  }
}
tf.serialization.registerClass(BatchNorm);
