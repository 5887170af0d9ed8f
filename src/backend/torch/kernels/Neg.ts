import { Neg } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const negConfig = unaryKernel(Neg);
