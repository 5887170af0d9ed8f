import { Add } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const addConfig = binaryKernel(Add);
