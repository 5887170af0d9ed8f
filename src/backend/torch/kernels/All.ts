import { All } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const allConfig = reductionKernel(All);
