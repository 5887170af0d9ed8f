import { LogicalXor } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const logicalXorConfig = binaryKernel(LogicalXor);
