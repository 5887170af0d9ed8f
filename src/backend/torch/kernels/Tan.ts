import { Tan } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const tanConfig = unaryKernel(Tan);
