import { OneHot, OneHotAttrs, OneHotInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const oneHotConfig = torchKernel<OneHotInputs, OneHotAttrs>(OneHot, ({ indices }, backend, a) =>
  backend.execute1(OneHot, [indices], { depth: a.depth, onValue: a.onValue, offValue: a.offValue, dtype: a.dtype }),
);
