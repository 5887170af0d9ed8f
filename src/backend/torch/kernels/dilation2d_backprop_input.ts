import { Dilation2DBackpropInput, Dilation2DAttrs, Dilation2DBackpropInputInputs } from '@tensorflow/tfjs-core';
import { dilationAttrs } from '../dilation_utils';
import { torchKernel } from '../kernel_utils';

/** dy goes to each output's max tap (the first, as in tfjs). */
export const dilation2DBackpropInputConfig = torchKernel<Dilation2DBackpropInputInputs, Dilation2DAttrs>(Dilation2DBackpropInput, ({ x, filter, dy }, backend, attrs) =>
  backend.execute1(Dilation2DBackpropInput, [x, filter, dy], dilationAttrs(x.shape, filter.shape, attrs)),
);
