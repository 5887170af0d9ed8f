import { GreaterEqual } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const greaterEqualConfig = binaryKernel(GreaterEqual);
