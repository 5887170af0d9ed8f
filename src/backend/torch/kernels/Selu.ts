import { Selu } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const seluConfig = unaryKernel(Selu);
