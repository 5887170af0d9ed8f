import { Softplus } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const softplusConfig = unaryKernel(Softplus);
