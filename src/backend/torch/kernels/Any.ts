import { Any } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const anyConfig = reductionKernel(Any);
