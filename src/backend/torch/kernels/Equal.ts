import { Equal } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const equalConfig = binaryKernel(Equal);
