import { Sign } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const signConfig = unaryKernel(Sign);
