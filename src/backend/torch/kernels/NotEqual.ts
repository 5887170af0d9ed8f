import { NotEqual } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const notEqualConfig = binaryKernel(NotEqual);
