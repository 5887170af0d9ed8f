import { Mod } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const modConfig = binaryKernel(Mod);
