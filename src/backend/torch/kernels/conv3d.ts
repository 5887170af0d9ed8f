import { Conv3D, Conv3DAttrs, Conv3DInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { conv3dAttrs } from '../window3d';

export const conv3DConfig = torchKernel<Conv3DInputs, Conv3DAttrs>(Conv3D, ({ x, filter }, backend, attrs) =>
  backend.execute1(Conv3D, [x, filter], conv3dAttrs(Conv3D, x.shape, filter.shape, attrs)),
);
