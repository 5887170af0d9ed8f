import { LessEqual } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const lessEqualConfig = binaryKernel(LessEqual);
