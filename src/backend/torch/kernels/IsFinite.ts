import { IsFinite } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const isFiniteConfig = unaryKernel(IsFinite);
