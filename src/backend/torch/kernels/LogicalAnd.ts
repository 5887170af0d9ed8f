import { LogicalAnd } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const logicalAndConfig = binaryKernel(LogicalAnd);
