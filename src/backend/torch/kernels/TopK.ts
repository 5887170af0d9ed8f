import { TopK, TopKAttrs, TopKInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const topKConfig = torchKernel<TopKInputs, TopKAttrs>(TopK, ({ x }, backend, { k }) => backend.execute(TopK, [x], { k }));
