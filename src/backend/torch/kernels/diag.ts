import { Diag, DiagInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** x of shape S gives S ++ S, zeros but x on the diagonal (flat positions i * (n + 1)). */
export const diagConfig = torchKernel<DiagInputs>(Diag, ({ x }, backend) =>
  composed(backend, (s) => {
    const n = util.sizeFromShape(x.shape);
    const positions = Int32Array.from({ length: n }, (_, i) => i * (n + 1));
    const flat = s.indexAdd(s.reshape(x, [n]), s.values([n], 'int32', positions), 0, n * n);
    return s.reshape(flat, [...x.shape, ...x.shape]);
  }),
);
