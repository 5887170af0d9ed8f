import { AvgPool3D, AvgPool3DAttrs, AvgPool3DInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { pool3dAttrs, pool3dOutShape } from '../window3d';

export const avgPool3DConfig = torchKernel<AvgPool3DInputs, AvgPool3DAttrs>(AvgPool3D, ({ x }, backend, attrs) => {
  const outShape = pool3dOutShape(x.shape, attrs);
  // No window fits: an empty result (ATen rejects a window larger than its input).
  if (util.sizeFromShape(outShape) === 0) return backend.makeTensorInfo(outShape, x.dtype, new Float32Array(0));
  return backend.execute1(AvgPool3D, [x], pool3dAttrs(AvgPool3D, x.shape, attrs));
});
