import { Tanh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const tanhConfig = unaryKernel(Tanh);
