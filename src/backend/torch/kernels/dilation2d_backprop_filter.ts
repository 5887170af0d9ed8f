import { Dilation2DBackpropFilter, Dilation2DAttrs, Dilation2DBackpropFilterInputs } from '@tensorflow/tfjs-core';
import { dilationAttrs } from '../dilation_utils';
import { torchKernel } from '../kernel_utils';

/** dy goes to each output's max tap (the first, as in tfjs). */
export const dilation2DBackpropFilterConfig = torchKernel<Dilation2DBackpropFilterInputs, Dilation2DAttrs>(Dilation2DBackpropFilter, ({ x, filter, dy }, backend, attrs) =>
  backend.execute1(Dilation2DBackpropFilter, [x, filter, dy], dilationAttrs(x.shape, filter.shape, attrs)),
);
