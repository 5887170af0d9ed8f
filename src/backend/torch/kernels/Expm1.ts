import { Expm1 } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const expm1Config = unaryKernel(Expm1);
