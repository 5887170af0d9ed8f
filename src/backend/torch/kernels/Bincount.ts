import { Bincount } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): histogram of int values whose tfjs semantics (size, weights, binaryOutput) run element by element. */
export const bincountConfig = cpuKernel(Bincount);
