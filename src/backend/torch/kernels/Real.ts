import { Real } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): complex64 tensors live on the host cpu backend, as pairs of real and imaginary parts. */
export const realConfig = cpuKernel(Real);
