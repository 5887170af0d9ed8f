import { Multiply } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const multiplyConfig = binaryKernel(Multiply);
