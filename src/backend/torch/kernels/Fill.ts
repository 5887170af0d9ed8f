import { Fill, FillAttrs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const fillConfig = torchKernel<Record<string, never>, FillAttrs>(Fill, (_inputs, backend, { shape, value, dtype }) => {
  if (typeof value !== 'number') throw new Error(`the torch backend cannot fill a ${dtype} tensor with '${value}'`);
  return backend.execute1(Fill, [], { shape, value, dtype });
});
