import { Elu } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const eluConfig = unaryKernel(Elu);
