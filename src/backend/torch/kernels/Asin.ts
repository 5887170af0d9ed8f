import { Asin } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const asinConfig = unaryKernel(Asin);
