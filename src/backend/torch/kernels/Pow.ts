import { Pow } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const powConfig = binaryKernel(Pow);
