import { Abs } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const absConfig = unaryKernel(Abs);
