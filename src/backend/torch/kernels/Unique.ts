import { Unique } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): output shape depends on the values (and strings are accepted). */
export const uniqueConfig = cpuKernel(Unique);
