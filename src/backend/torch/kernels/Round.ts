import { Round } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const roundConfig = unaryKernel(Round);
