import { Floor } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const floorConfig = unaryKernel(Floor);
