import { LRN, LRNAttrs, LRNInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** Local response normalisation over the last (channel) axis. */
export const lrnConfig = torchKernel<LRNInputs, LRNAttrs>(LRN, ({ x }, backend, { depthRadius, bias, alpha, beta }) =>
  backend.execute1(LRN, [x], { depthRadius, bias, alpha, beta }),
);
