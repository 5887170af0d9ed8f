import { Atan } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const atanConfig = unaryKernel(Atan);
