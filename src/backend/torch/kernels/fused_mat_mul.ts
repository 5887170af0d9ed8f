import { _FusedMatMul, _FusedMatMulAttrs, _FusedMatMulInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const fusedMatMulConfig = torchKernel<_FusedMatMulInputs, _FusedMatMulAttrs>(_FusedMatMul, (inputs, backend, a) =>
  backend.execute1(_FusedMatMul, [inputs.a, inputs.b, inputs.bias, inputs.preluActivationWeights], {
    transposeA: a.transposeA,
    transposeB: a.transposeB,
    activation: a.activation,
    leakyreluAlpha: a.leakyreluAlpha,
  }),
);
