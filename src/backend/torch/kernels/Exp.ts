import { Exp } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const expConfig = unaryKernel(Exp);
