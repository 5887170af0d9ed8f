import { NonMaxSuppressionV5 } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): greedy, sequential box selection whose output size depends on the scores. */
export const nonMaxSuppressionV5Config = cpuKernel(NonMaxSuppressionV5);
