import { BroadcastArgs } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): shape arithmetic on two small int vectors. */
export const broadcastArgsConfig = cpuKernel(BroadcastArgs);
