import { Cos } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const cosConfig = unaryKernel(Cos);
