import { Cosh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const coshConfig = unaryKernel(Cosh);
