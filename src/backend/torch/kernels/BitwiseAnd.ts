import { BitwiseAnd } from '@tensorflow/tfjs-core';
import { binaryKernel } from '../kernel_utils';

export const bitwiseAndConfig = binaryKernel(BitwiseAnd);
