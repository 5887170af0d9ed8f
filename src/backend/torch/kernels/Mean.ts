import { Mean } from '@tensorflow/tfjs-core';
import { reductionKernel } from '../kernel_utils';

export const meanConfig = reductionKernel(Mean);
