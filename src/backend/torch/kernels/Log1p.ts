import { Log1p } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const log1pConfig = unaryKernel(Log1p);
