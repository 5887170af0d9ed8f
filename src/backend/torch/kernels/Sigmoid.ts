import { Sigmoid } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const sigmoidConfig = unaryKernel(Sigmoid);
