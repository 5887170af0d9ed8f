import { FloorDiv } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const floorDivConfig = binaryKernel(FloorDiv);
