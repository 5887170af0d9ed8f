import { Atan2 } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const atan2Config = binaryKernel(Atan2);
