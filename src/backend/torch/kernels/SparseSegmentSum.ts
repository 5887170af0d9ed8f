import { SparseSegmentSum } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): output shape depends on the values (sparse tensors), computed element by element. */
export const sparseSegmentSumConfig = cpuKernel(SparseSegmentSum);
