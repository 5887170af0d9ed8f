import { Conv2DBackpropFilter, Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';
import { isNCHW, nhwcParams } from '../layout';
import { composed } from '../scope';

export const conv2DBackpropFilterConfig = torchKernel<Conv2DBackpropFilterInputs, Conv2DBackpropFilterAttrs>(
  Conv2DBackpropFilter,
  ({ x, dy }, backend, attrs) => {
    const run = (xNHWC: TensorInfo, dyNHWC: TensorInfo, params: Conv2DBackpropFilterAttrs) =>
      backend.execute1(Conv2DBackpropFilter, [xNHWC, dyNHWC], {
        ...convAttrs(Conv2DBackpropFilter, xNHWC.shape, attrs.filterShape, params),
        filterShape: attrs.filterShape,
      });
    if (!isNCHW(attrs.dataFormat)) return run(x, dy, attrs);
    // The filter is layout-free: only the two NCHW inputs are permuted.
    return composed(backend, (s) => run(s.transpose(x, [0, 2, 3, 1]), s.transpose(dy, [0, 2, 3, 1]), nhwcParams(attrs)));
  },
);
