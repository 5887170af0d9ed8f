import { Conv3DBackpropInputV2, Conv3DBackpropInputV2Attrs, Conv3DBackpropInputV2Inputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { conv3dAttrs } from '../window3d';

export const conv3DBackpropInputV2Config = torchKernel<Conv3DBackpropInputV2Inputs, Conv3DBackpropInputV2Attrs>(
  Conv3DBackpropInputV2,
  ({ dy, filter }, backend, attrs) =>
    backend.execute1(Conv3DBackpropInputV2, [dy, filter], {
      ...conv3dAttrs(Conv3DBackpropInputV2, attrs.inputShape, filter.shape, attrs),
      inputShape: attrs.inputShape,
    }),
);
