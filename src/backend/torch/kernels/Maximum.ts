import { Maximum } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const maximumConfig = binaryKernel(Maximum);
