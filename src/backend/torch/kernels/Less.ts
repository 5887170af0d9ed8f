import { Less } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const lessConfig = binaryKernel(Less);
