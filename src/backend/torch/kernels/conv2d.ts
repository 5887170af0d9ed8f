import { Conv2D, Conv2DAttrs, Conv2DInputs } from '@tensorflow/tfjs-core';
import { convAttrs, torchKernel } from '../kernel_utils';
import { isNCHW, nhwcParams, viaNHWC } from '../layout';

export const conv2DConfig = torchKernel<Conv2DInputs, Conv2DAttrs>(Conv2D, ({ x, filter }, backend, attrs) => {
  if (isNCHW(attrs.dataFormat)) {
    return viaNHWC(backend, (s, toNHWC) => {
      const xNHWC = toNHWC(x);
      return s.op(Conv2D, [xNHWC, filter, undefined, undefined], convAttrs(Conv2D, xNHWC.shape, filter.shape, nhwcParams(attrs)));
    });
  }
  return backend.execute1(Conv2D, [x, filter, undefined, undefined], convAttrs(Conv2D, x.shape, filter.shape, attrs));
});
