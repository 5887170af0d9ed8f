import { LinSpace } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): values computed in JS from the attributes, like Range. */
export const linSpaceConfig = cpuKernel(LinSpace);
