/**
 * Batch normalisation in training mode: normalise with the batch's own
 * statistics, return them, and update the running averages when given. One
 * kernel for forward, one for backward, as torch's
 * native_batch_norm(_backward) do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BatchNormTrainAttrs, BatchNormTrainGradAttrs } from './kernel_names';
import { hasBackendKernel } from './dispatch';

/** The running averages a training step updates. */
export interface RunningStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** Weight of the batch: running' = (1 − momentum)·running + momentum·batch (torch's convention). */
  momentum: number;
}

export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** Batch mean per channel. */
  mean: tf.Tensor1D;
  /** 1/sqrt(biased batch variance + epsilon) per channel. */
  invStd: tf.Tensor1D;
  /** With RunningStats given: the updated averages (the variance blends in the unbiased batch variance). */
  running?: { mean: tf.Tensor1D; variance: tf.Tensor1D };
}

export interface BatchNormTrainGradResult {
  dx: tf.Tensor;
  dScale: tf.Tensor1D;
  dOffset: tf.Tensor1D;
}

/** Every axis but the channel (last) one. */
function reductionAxes(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i);
}

export function batchNormTrain(
  x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number, running?: RunningStats,
): BatchNormTrainResult {
  if (!hasBackendKernel(BATCH_NORM_TRAIN)) return genericBatchNormTrain(x, scale, offset, epsilon, running);
  const attrs: BatchNormTrainAttrs = { epsilon, momentum: running?.momentum ?? 0 };
  const inputs: tf.NamedTensorMap = running ? { x, scale, offset, runningMean: running.mean, runningVariance: running.variance } : { x, scale, offset };
  const [y, mean, invStd, runningMean, runningVariance] = tf.engine().runKernel(BATCH_NORM_TRAIN, inputs, attrs) as tf.Tensor[];
  const result: BatchNormTrainResult = { y, mean: mean as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
  if (running) result.running = { mean: runningMean as tf.Tensor1D, variance: runningVariance as tf.Tensor1D };
  return result;
}

/** The tfjs-ops implementation; tfjs derives its gradient (through the statistics too). */
export function genericBatchNormTrain(
  x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number, running?: RunningStats,
): BatchNormTrainResult {
  const axes = reductionAxes(x.rank);
  const count = x.size / x.shape[x.rank - 1];
  const [y, mean, invStd, ...updated] = tf.tidy(() => {
    const m = tf.mean(x, axes);
    const centered = tf.sub(x, m);
    const variance = tf.mean(tf.square(centered), axes);
    const s = tf.rsqrt(tf.add(variance, epsilon));
    const out = [tf.add(tf.mul(centered, tf.mul(s, scale)), offset), m, s];
    if (!running) return out;
    const blend = (old: tf.Tensor, batch: tf.Tensor) => tf.add(tf.mul(old, 1 - running.momentum), tf.mul(batch, running.momentum));
    const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
    return [...out, blend(running.mean, m), blend(running.variance, unbiased)];
  });
  const result: BatchNormTrainResult = { y, mean: mean as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
  if (running) result.running = { mean: updated[0] as tf.Tensor1D, variance: updated[1] as tf.Tensor1D };
  return result;
}

export function batchNormTrainGrad(
  dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor1D, mean: tf.Tensor1D, invStd: tf.Tensor1D, epsilon: number,
): BatchNormTrainGradResult {
  if (hasBackendKernel(BATCH_NORM_TRAIN_GRAD)) {
    const attrs: BatchNormTrainGradAttrs = { epsilon };
    const [dx, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, scale, mean, invStd }, attrs) as tf.Tensor[];
    return { dx, dScale: dScale as tf.Tensor1D, dOffset: dOffset as tf.Tensor1D };
  }
  return genericBatchNormTrainGrad(dy, x, scale, mean, invStd);
}

/**
 * The closed-form backward of y = (x − mean)·invStd·scale + offset with batch
 * statistics, over M = elements per channel:
 * dx = scale·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), dScale = Σ(dy·x̂), dOffset = Σdy.
 */
export function genericBatchNormTrainGrad(
  dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor1D, mean: tf.Tensor1D, invStd: tf.Tensor1D,
): BatchNormTrainGradResult {
  const axes = reductionAxes(x.rank);
  const m = x.size / x.shape[x.rank - 1];
  const [dx, dScale, dOffset] = tf.tidy(() => {
    const xHat = tf.mul(tf.sub(x, mean), invStd);
    const sumDy = tf.sum(dy, axes);
    const sumDyXHat = tf.sum(tf.mul(dy, xHat), axes);
    const inner = tf.sub(tf.sub(tf.mul(dy, m), sumDy), tf.mul(xHat, sumDyXHat));
    return [tf.mul(inner, tf.div(tf.mul(scale, invStd), m)), sumDyXHat, sumDy];
  });
  return { dx, dScale: dScale as tf.Tensor1D, dOffset: dOffset as tf.Tensor1D };
}

/**
 * The gradient used when a backend runs the native forward kernel. It
 * propagates the gradient of y only: the mean and invStd outputs feed the
 * running averages, which no loss depends on (torch's batch-norm backward
 * makes the same choice), and the running averages get none.
 */
export const batchNormTrainGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true, false, false],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, invStd] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const dy = (dys as tf.Tensor[])[0];
    const { epsilon } = attrs as unknown as BatchNormTrainAttrs;
    // One backward kernel yields all three gradients, so it runs once, here,
    // inside the engine's backward scope (which disposes what is not returned).
    const grads = batchNormTrainGrad(dy, x, scale, mean, invStd, epsilon);
    const none = () => tf.zerosLike(scale);
    return { x: () => grads.dx, scale: () => grads.dScale, offset: () => grads.dOffset, runningMean: none, runningVariance: none };
  },
};
