import { Einsum, EinsumAttrs, EinsumInputs, Tensor, backend_util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const einsumConfig = torchKernel<EinsumInputs, EinsumAttrs>(Einsum, (inputs, backend, { equation }) => {
  // tfjs's equation checks first: its messages, and the forms tfjs supports.
  const { allDims, summedDims, idDims } = backend_util.decodeEinsumEquation(equation, inputs.length);
  backend_util.checkEinsumDimSizes(allDims.length, idDims, inputs as unknown as Tensor[]);
  backend_util.getEinsumComputePath(summedDims, idDims);
  return backend.execute1(Einsum, inputs, { equation });
});
