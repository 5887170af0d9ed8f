import { Max } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const maxConfig = reductionKernel(Max);
