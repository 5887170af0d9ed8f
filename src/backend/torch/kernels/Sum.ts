import { Sum } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const sumConfig = reductionKernel(Sum);
