import { NonMaxSuppressionV3 } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): greedy, sequential box selection whose output size depends on the scores. */
export const nonMaxSuppressionV3Config = cpuKernel(NonMaxSuppressionV3);
