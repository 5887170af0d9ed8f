import { RaggedRange } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): output shape depends on the values (ragged tensors), computed element by element. */
export const raggedRangeConfig = cpuKernel(RaggedRange);
