import { Acosh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const acoshConfig = unaryKernel(Acosh);
