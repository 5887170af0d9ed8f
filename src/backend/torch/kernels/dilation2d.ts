import { Dilation2D, Dilation2DAttrs, Dilation2DInputs } from '@tensorflow/tfjs-core';
import { dilationAttrs } from '../dilation_utils';
import { torchKernel } from '../kernel_utils';

/** Grayscale dilation: the max over each window of x + filter. */
export const dilation2DConfig = torchKernel<Dilation2DInputs, Dilation2DAttrs>(Dilation2D, ({ x, filter }, backend, attrs) =>
  backend.execute1(Dilation2D, [x, filter], dilationAttrs(x.shape, filter.shape, attrs)),
);
