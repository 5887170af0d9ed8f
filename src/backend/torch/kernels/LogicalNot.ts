import { LogicalNot } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const logicalNotConfig = unaryKernel(LogicalNot);
