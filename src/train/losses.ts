import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../config/run-config';
import { BatchNorm } from '../models';
import { UserError } from '../util/errors';

export type LossConfig = TrainConfig['loss'];

/**
 * Mean loss over a batch, from the model's logits and the integer labels.
 * Logits, not softmax outputs: log p comes from logSoftmax, finite however
 * confident the model, and its gradient never vanishes (clipping saturated
 * probabilities did both, and zeroed the gradient of every confidently wrong
 * sample).
 */
export type LossFn = ((logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar) & {
  /** Weight of an L1 penalty on the model's batch-norm scales that training adds (train.loss.bnL1; network slimming). */
  bnL1?: number;
};

/**
 * Focal loss (eq. 5, Lin et al. 2017) generalised to soft targets so that label
 * smoothing composes with it:
 *   L = -sum_c q_c * alpha_c * (1 - p_c)^gamma * log p_c
 * With one-hot q this is -alpha_t (1 - p_t)^gamma log p_t; with gamma = 0 and
 * alpha = 1 it is cross-entropy (with label smoothing, smoothed cross-entropy).
 */
export function focalLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  opts: { gamma: number; alpha?: number | readonly number[]; labelSmoothing?: number },
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const targets = smoothedTargets(labels, numClasses, opts.labelSmoothing ?? 0);
    const logP = tf.logSoftmax(logits);
    let perClass = tf.mul(targets, tf.neg(logP));
    if (opts.gamma !== 0) perClass = tf.mul(perClass, tf.pow(tf.sub(1, tf.exp(logP)), opts.gamma));
    const weights = alphaWeights(opts.alpha, numClasses);
    if (weights) perClass = tf.mul(perClass, weights);
    return tf.mean(tf.sum(perClass, 1)) as tf.Scalar;
  });
}

/** Cross-entropy is focal loss with gamma = 0 (eq. 5's own remark); kept as one code path. */
export function crossEntropyLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  opts: { alpha?: number | readonly number[]; labelSmoothing?: number } = {},
): tf.Scalar {
  return focalLoss(logits, labels, { ...opts, gamma: 0 });
}

function smoothedTargets(labels: tf.Tensor1D, numClasses: number, smoothing: number): tf.Tensor2D {
  const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
  if (smoothing === 0) return oneHot;
  return tf.add(tf.mul(oneHot, 1 - smoothing), smoothing / numClasses) as tf.Tensor2D;
}

function alphaWeights(alpha: number | readonly number[] | undefined, numClasses: number): tf.Tensor | undefined {
  if (alpha === undefined) return undefined;
  if (typeof alpha === 'number') return alpha === 1 ? undefined : tf.scalar(alpha);
  return tf.tensor1d(alpha as number[]);
}

/** The configured loss; checks a per-class alpha against the number of classes. */
export function makeLoss(cfg: Omit<LossConfig, 'bnL1'> & { bnL1?: number }, numClasses: number): LossFn {
  if (Array.isArray(cfg.alpha) && cfg.alpha.length !== numClasses) {
    throw new UserError(
      `train.loss.alpha: expected a number or a list of ${numClasses} numbers (one per class), got ${cfg.alpha.length} numbers`,
    );
  }
  const gamma = cfg.type === 'focal' ? cfg.gamma : 0;
  const loss: LossFn = (logits, labels) => focalLoss(logits, labels, { gamma, alpha: cfg.alpha, labelSmoothing: cfg.labelSmoothing });
  if (cfg.bnL1) loss.bnL1 = cfg.bnL1;
  return loss;
}

/**
 * bnL1 · Σ|γ| over every batch norm (Liu et al. 2017, network slimming): it
 * drives the scales of unneeded channels towards 0, so that one threshold on
 * |γ| finds the channels to prune.
 */
export function bnScalePenalty(model: LayersModel, weight: number): tf.Scalar {
  return tf.tidy(() => {
    const gammas = model.layers.filter((l) => l instanceof BatchNorm).map((l) => tf.sum(tf.abs(l.trainableWeights[0].read())));
    return tf.mul(weight, tf.addN(gammas)) as tf.Scalar;
  });
}
