import { SquaredDifference } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const squaredDifferenceConfig = binaryKernel(SquaredDifference);
