import { ZerosLike } from '@tensorflow/tfjs-core';
import { unaryKernel } from '../kernel_utils';

export const zerosLikeConfig = unaryKernel(ZerosLike);
