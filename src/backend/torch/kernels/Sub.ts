import { Sub } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const subConfig = binaryKernel(Sub);
