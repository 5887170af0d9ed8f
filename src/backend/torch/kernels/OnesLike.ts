import { OnesLike } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const onesLikeConfig = unaryKernel(OnesLike);
