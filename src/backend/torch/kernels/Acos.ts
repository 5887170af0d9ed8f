import { Acos } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const acosConfig = unaryKernel(Acos);
