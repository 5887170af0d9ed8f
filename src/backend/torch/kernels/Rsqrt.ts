import { Rsqrt } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const rsqrtConfig = unaryKernel(Rsqrt);
