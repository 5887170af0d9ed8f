import { Sqrt } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const sqrtConfig = unaryKernel(Sqrt);
