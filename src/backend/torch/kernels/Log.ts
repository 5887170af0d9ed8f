import { Log } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const logConfig = unaryKernel(Log);
