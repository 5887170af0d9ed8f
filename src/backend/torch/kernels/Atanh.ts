import { Atanh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const atanhConfig = unaryKernel(Atanh);
