import { Ceil } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const ceilConfig = unaryKernel(Ceil);
