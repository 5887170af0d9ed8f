import { ClipByValue, ClipByValueAttrs, ClipByValueInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const clipByValueConfig = torchKernel<ClipByValueInputs, ClipByValueAttrs>(ClipByValue, ({ x }, backend, a) =>
  backend.execute1(ClipByValue, [x], { clipValueMin: a.clipValueMin, clipValueMax: a.clipValueMax }),
);
