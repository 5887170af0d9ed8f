import { Min } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const minConfig = reductionKernel(Min);
