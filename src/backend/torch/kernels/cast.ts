import { Cast, CastAttrs, CastInputs } from '@tensorflow/tfjs-core';
import { runOnCpu } from '../cpu_fallback';
import { torchKernel } from '../kernel_utils';

export const castConfig = torchKernel<CastInputs, CastAttrs>(Cast, (inputs, backend, attrs) => {
  const { x } = inputs;
  const { dtype } = attrs;
  if (dtype === x.dtype) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  }
  // complex64 tensors live host-side (see cpu_fallback.ts).
  if (dtype === 'complex64') return runOnCpu(Cast, inputs, backend, { ...attrs });
  return backend.execute1(Cast, [x], { dtype });
});
