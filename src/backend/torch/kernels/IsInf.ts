import { IsInf } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const isInfConfig = unaryKernel(IsInf);
