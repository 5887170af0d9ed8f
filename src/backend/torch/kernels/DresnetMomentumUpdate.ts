import { TensorInfo } from '@tensorflow/tfjs-core';
import { MOMENTUM_UPDATE, MomentumUpdateAttrs } from '../../../ops/kernel_names';
import { torchKernel } from '../kernel_utils';

/** One native call for every variable: ATen's _foreach ops (multi-tensor kernels on CUDA). */
export const dresnetMomentumUpdateConfig = torchKernel<TensorInfo[], MomentumUpdateAttrs>(
  MOMENTUM_UPDATE,
  (inputs, backend, { learningRate, momentum, useNesterov, weightDecay, decayed }) =>
    backend.execute('MomentumUpdate', Object.values(inputs), { learningRate, momentum, useNesterov, weightDecay, decayed }),
);
