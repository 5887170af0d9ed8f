import { Sin } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const sinConfig = unaryKernel(Sin);
