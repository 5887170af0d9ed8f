import { IsNan } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const isNanConfig = unaryKernel(IsNan);
