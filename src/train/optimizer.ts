import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config/run-config';

export type OptimizerConfig = TrainConfig['optimizer'];

export interface ScheduledOptimizer {
  optimizer: tf.Optimizer;
  /** Sets the learning rate of the next applyGradients (the schedule changes it every step). */
  setLearningRate(lr: number): void;
  /** Frees the optimiser's slots and scalars. */
  dispose(): void;
}

/**
 * SGD with momentum (Table 2: "SGD", momentum 0.9; the velocity update of
 * Caffe/PyTorch: v = m*v + g, w -= lr*v) or Adam.
 * Weight decay is not an optimiser feature here: the trainer adds it to the
 * loss as an L2 penalty (see weightDecayPenalty), identical to SGD's coupled
 * weight decay.
 */
export function makeOptimizer(cfg: OptimizerConfig): ScheduledOptimizer {
  if (cfg.type === 'adam') {
    const adam = tf.train.adam(cfg.lr);
    return {
      optimizer: adam,
      // AdamOptimizer reads its learningRate field on every step but has no setter.
      setLearningRate: (lr) => { (adam as unknown as { learningRate: number }).learningRate = lr; },
      dispose: () => adam.dispose(),
    };
  }
  if (cfg.momentum === 0) {
    const sgd = tf.train.sgd(cfg.lr);
    return { optimizer: sgd, setLearningRate: (lr) => sgd.setLearningRate(lr), dispose: () => sgd.dispose() };
  }
  const momentum = tf.train.momentum(cfg.lr, cfg.momentum);
  return {
    optimizer: momentum,
    setLearningRate: (lr) => momentum.setLearningRate(lr),
    dispose: () => {
      momentum.dispose();
      // MomentumOptimizer.dispose (tfjs 4.22) frees its slots but not the lr scalar of its SGD base class.
      tf.SGDOptimizer.prototype.dispose.call(momentum);
    },
  };
}

/**
 * The variables that weight decay applies to: conv and dense kernels, i.e.
 * every trainable weight of rank >= 2. Batch-norm scale/shift and biases
 * (rank 1) are left undecayed, as is usual for residual networks (decaying BN
 * gamma only fights the normalisation).
 */
export function decayedVariables(variables: readonly tf.Variable[]): tf.Variable[] {
  return variables.filter((v) => v.rank >= 2);
}

/** (weightDecay / 2) * sum of squared kernels: its gradient is weightDecay * w. */
export function weightDecayPenalty(variables: readonly tf.Variable[], weightDecay: number): tf.Scalar {
  return tf.tidy(() => tf.mul(weightDecay / 2, tf.addN(variables.map((v) => tf.sum(tf.square(v))))) as tf.Scalar);
}
