/**
 * Batch normalisation in training mode: normalise with the batch's own
 * statistics and return them for the running averages. One kernel for
 * forward, one for backward, as torch's native_batch_norm(_backward) do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BatchNormTrainAttrs, BatchNormTrainGradAttrs } from './kernel_names';
import { hasBackendKernel } from './dispatch';

export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** Batch mean per channel. */
  mean: tf.Tensor1D;
  /** 1/sqrt(biased batch variance + epsilon) per channel. */
  invStd: tf.Tensor1D;
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

export function batchNormTrain(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number): BatchNormTrainResult {
  if (hasBackendKernel(BATCH_NORM_TRAIN)) {
    const attrs: BatchNormTrainAttrs = { epsilon };
    const [y, mean, invStd] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, attrs) as tf.Tensor[];
    return { y, mean: mean as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
  }
  return genericBatchNormTrain(x, scale, offset, epsilon);
}

/** The tfjs-ops implementation; tfjs derives its gradient (through the statistics too). */
export function genericBatchNormTrain(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number): BatchNormTrainResult {
  const axes = reductionAxes(x.rank);
  const [y, mean, invStd] = tf.tidy(() => {
    const m = tf.mean(x, axes);
    const centered = tf.sub(x, m);
    const s = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes), epsilon));
    return [tf.add(tf.mul(centered, tf.mul(s, scale)), offset), m, s];
  });
  return { y, mean: mean as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
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
 * makes the same choice).
 */
export const batchNormTrainGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, invStd] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const dy = (dys as tf.Tensor[])[0];
    const { epsilon } = attrs as unknown as BatchNormTrainAttrs;
    // One backward kernel yields all three gradients, so it runs once, here,
    // inside the engine's backward scope (which disposes what is not returned).
    const grads = batchNormTrainGrad(dy, x, scale, mean, invStd, epsilon);
    return { x: () => grads.dx, scale: () => grads.dScale, offset: () => grads.dOffset };
  },
};
