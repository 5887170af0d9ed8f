import { Asinh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const asinhConfig = unaryKernel(Asinh);
