import { Prod } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const prodConfig = reductionKernel(Prod);
