import { Einsum, EinsumAttrs, EinsumInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const einsumConfig = torchKernel<EinsumInputs, EinsumAttrs>(Einsum, (inputs, backend, { equation }) =>
  backend.execute1(Einsum, inputs, { equation }),
);
