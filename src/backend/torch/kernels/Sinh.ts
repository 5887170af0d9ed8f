import { Sinh } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const sinhConfig = unaryKernel(Sinh);
