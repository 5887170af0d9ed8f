import { Minimum } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const minimumConfig = binaryKernel(Minimum);
