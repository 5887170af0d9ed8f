import { RealDiv } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const realDivConfig = binaryKernel(RealDiv);
