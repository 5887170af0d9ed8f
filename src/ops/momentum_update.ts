/**
 * SGD with momentum over every variable in one kernel call. tfjs's
 * MomentumOptimizer runs four kernels per variable (ResNet-50: 644 a step,
 * DResNet: 1212), each paying tfjs's bookkeeping and, on a GPU, a launch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MOMENTUM_UPDATE, MomentumUpdateAttrs } from './kernel_names';
import { hasBackendKernel } from './dispatch';

export interface MomentumUpdateResult {
  values: tf.Tensor[];
  accumulations: tf.Tensor[];
}

export function momentumUpdate(
  values: tf.Tensor[], accumulations: tf.Tensor[], gradients: tf.Tensor[], attrs: MomentumUpdateAttrs,
): MomentumUpdateResult {
  if (!hasBackendKernel(MOMENTUM_UPDATE)) return genericMomentumUpdate(values, accumulations, gradients, attrs);
  const inputs = [...values, ...accumulations, ...gradients] as unknown as tf.NamedTensorMap;
  const outputs = tf.engine().runKernel(MOMENTUM_UPDATE, inputs, attrs) as tf.Tensor[];
  return { values: outputs.slice(0, values.length), accumulations: outputs.slice(values.length) };
}

/** Coupled weight decay: the gradient of (weightDecay/2)·Σvalue² added to a variable's gradient. */
export function decayedGradient(gradient: tf.Tensor, value: tf.Tensor, weightDecay: number): tf.Tensor {
  return tf.add(gradient, tf.mul(value, weightDecay));
}

/** tfjs's MomentumOptimizer arithmetic, variable by variable, float32 scalars and all. */
export function genericMomentumUpdate(
  values: tf.Tensor[], accumulations: tf.Tensor[], gradients: tf.Tensor[],
  { learningRate, momentum, useNesterov, weightDecay, decayed }: MomentumUpdateAttrs,
): MomentumUpdateResult {
  const isDecayed = new Set(decayed);
  return tf.tidy(() => {
    const m = tf.scalar(momentum);
    const c = tf.scalar(-learningRate);
    const next = values.map((value, i) => {
      const g = isDecayed.has(i) ? decayedGradient(gradients[i], value, weightDecay) : gradients[i];
      const accumulation = tf.add(tf.mul(m, accumulations[i]), g);
      const step = useNesterov ? tf.add(g, tf.mul(accumulation, m)) : accumulation;
      return { value: tf.add(tf.mul(c, step), value), accumulation };
    });
    return { values: next.map((n) => n.value), accumulations: next.map((n) => n.accumulation) };
  });
}
