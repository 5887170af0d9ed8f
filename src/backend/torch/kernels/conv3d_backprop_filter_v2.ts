import { Conv3DBackpropFilterV2, Conv3DBackpropFilterV2Attrs, Conv3DBackpropFilterV2Inputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { conv3dAttrs } from '../window3d';

export const conv3DBackpropFilterV2Config = torchKernel<Conv3DBackpropFilterV2Inputs, Conv3DBackpropFilterV2Attrs>(
  Conv3DBackpropFilterV2,
  ({ x, dy }, backend, attrs) =>
    backend.execute1(Conv3DBackpropFilterV2, [x, dy], {
      ...conv3dAttrs(Conv3DBackpropFilterV2, x.shape, attrs.filterShape, attrs),
      filterShape: attrs.filterShape,
    }),
);
