import { LogicalOr } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const logicalOrConfig = binaryKernel(LogicalOr);
