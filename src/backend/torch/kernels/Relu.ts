import { Relu } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const reluConfig = unaryKernel(Relu);
