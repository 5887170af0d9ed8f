import { Relu6 } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const relu6Config = unaryKernel(Relu6);
