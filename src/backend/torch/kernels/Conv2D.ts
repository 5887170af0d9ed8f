import { Conv2D, Conv2DAttrs, Conv2DInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';

export const conv2DConfig = torchKernel<Conv2DInputs, Conv2DAttrs>(Conv2D, ({ x, filter }, backend, attrs) =>
  backend.execute1(Conv2D, [x, filter, undefined, undefined], convAttrs(Conv2D, x.shape, filter.shape, attrs)),
);
