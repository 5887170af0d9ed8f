import { PadV2, PadV2Attrs, PadV2Inputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** ATen's constant_pad_nd lists pads from the last dimension backwards. */
export const padV2Config = torchKernel<PadV2Inputs, PadV2Attrs>(PadV2, ({ x }, backend, { paddings, constantValue }) =>
  backend.execute1(PadV2, [x], { pads: [...paddings].reverse().flat(), constantValue }),
);
