import { Multinomial } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): tfjs's seeded sampler (seedrandom), so a seed gives the same samples as on tfjs's cpu backend. */
export const multinomialConfig = cpuKernel(Multinomial);
