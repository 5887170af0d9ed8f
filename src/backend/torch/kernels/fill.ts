import { Fill, FillAttrs } from '@tensorflow/tfjs-core';
import { runOnCpu } from '../cpu_fallback';
import { torchKernel } from '../kernel_utils';

/** String fills stay in JS (ATen has no string dtype). */
export const fillConfig = torchKernel<Record<string, never>, FillAttrs>(Fill, (inputs, backend, attrs) => {
  const { shape, value, dtype } = attrs;
  if (dtype === 'string') return runOnCpu(Fill, inputs, backend, { ...attrs });
  if (typeof value !== 'number') throw new Error(`the torch backend cannot fill a ${dtype} tensor with '${value}'`);
  return backend.execute1(Fill, [], { shape, value, dtype });
});
