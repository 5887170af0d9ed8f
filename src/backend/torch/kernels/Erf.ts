import { Erf } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const erfConfig = unaryKernel(Erf);
