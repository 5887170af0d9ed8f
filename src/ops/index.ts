/**
 * dresnet's own kernels (what tfjs lacks): names, input/attribute contracts,
 * generic tfjs-ops implementations, and the gradients used when a backend
 * registers a native kernel. Importing this module registers the gradients;
 * the backprop that frees as it goes (src/engine/backprop.ts) is installed by
 * the backend setup (selectBackend), not here.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's CommonJS entry registers no gradients (its register_all_gradients
// is ESM-only); the tfjs-layers bundle registers all of core's gradients in the
// shared global registry when loaded, and the generic paths need them.
import '@tensorflow/tfjs-layers';
import { groupedConv2dGradConfig } from './grouped_conv2d';
import { batchNormTrainGradConfig } from './batch_norm_train';
import { registerActivationGradients } from './activation_grad';
import { registerReductionGradients } from './reduction_grad';
import { registerMultiplyGradient } from './multiply_grad';

export * from './kernel_names';
export { applyConvActivation, groupedConv2d, groupedConv2dBackpropInput, groupedConv2dBackpropFilter, genericGroupedConv2d, blockDiagonal } from './grouped_conv2d';
export type { GroupedConv2DOptions } from './grouped_conv2d';
export { batchNormTrain, batchNormTrainGrad, genericBatchNormTrain, genericBatchNormTrainGrad } from './batch_norm_train';
export type { BatchNormTrainResult, BatchNormTrainGradResult, RunningStats } from './batch_norm_train';
export { momentumUpdate, genericMomentumUpdate, decayedGradient } from './momentum_update';
export type { MomentumUpdateResult } from './momentum_update';
export { hasBackendKernel } from './dispatch';
export { drawPerCall, withDrawHook } from './drawn';
export type { Draw } from './drawn';

/** The gradient configs of the forward kernels, for backends that want to list them. */
export const DRESNET_GRADIENTS: readonly tf.GradConfig[] = [groupedConv2dGradConfig, batchNormTrainGradConfig];

for (const config of DRESNET_GRADIENTS) {
  if (tf.getGradient(config.kernelName) == null) tf.registerGradient(config);
}

// After tfjs-layers registered tfjs-core's gradients, which these wrap or replace.
registerActivationGradients();
registerReductionGradients();
registerMultiplyGradient();
