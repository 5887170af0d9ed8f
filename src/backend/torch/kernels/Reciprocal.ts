import { Reciprocal } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const reciprocalConfig = unaryKernel(Reciprocal);
