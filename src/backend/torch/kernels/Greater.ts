import { Greater } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const greaterConfig = binaryKernel(Greater);
