import { StaticRegexReplace } from '@tensorflow/tfjs-core';
import { cpuKernel } from '../kernel_utils';

/** Host-side (tfjs's cpu kernel): string op: string tensors live in JS (ATen has no string dtype). */
export const staticRegexReplaceConfig = cpuKernel(StaticRegexReplace);
