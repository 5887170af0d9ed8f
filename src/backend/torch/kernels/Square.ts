import { Square } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const squareConfig = unaryKernel(Square);
