import { NamedAttrMap, NamedTensorInfoMap, TensorInfo, getKernel } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend';
import { hostBackend } from './host_backend';

/**
 * Host-side kernels: ATen has no string or complex dtype, and some kernels
 * (string ops, sparse and ragged tensors, NMS, unique, bincount) produce
 * shapes that depend on the data and run element by element. These run
 * tfjs-backend-cpu's own kernel on the private host cpu backend
 * (host_backend.ts): inputs are copied there (complex64 tensors already live
 * there), real results are copied back, complex64 results stay there. None is
 * on the zoo's path.
 */

type InputTree = TensorInfo | undefined | InputTree[] | { [name: string]: InputTree };

function isTensorInfo(x: InputTree): x is TensorInfo {
  return x !== undefined && !Array.isArray(x) && 'dataId' in x && 'shape' in x;
}

function copyInputs(tree: InputTree, copy: (t: TensorInfo) => TensorInfo): InputTree {
  if (tree === undefined) return undefined;
  if (isTensorInfo(tree)) return copy(tree);
  if (Array.isArray(tree)) return tree.map((t) => copyInputs(t, copy));
  return Object.fromEntries(Object.entries(tree).map(([name, t]) => [name, copyInputs(t, copy)]));
}

/** Runs tfjs's cpu kernel `kernelName` on copies of the inputs; returns torch tensors. */
export function runOnCpu(
  kernelName: string,
  inputs: NamedTensorInfoMap,
  backend: TorchBackend,
  attrs: NamedAttrMap = {},
): TensorInfo | TensorInfo[] {
  const config = getKernel(kernelName, 'cpu');
  if (config === undefined) throw new Error(`torch backend: no host-side (tfjs cpu) kernel '${kernelName}'`);
  const cpu = hostBackend();
  const copied: TensorInfo[] = [];
  const copy = (t: TensorInfo): TensorInfo => {
    const onHost = backend.hostTensor(t);
    if (onHost !== undefined) return { ...onHost, shape: t.shape };
    copied.push({ ...t, dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype) });
    return copied[copied.length - 1];
  };
  // Inputs come as a map (some entries lists of tensors, e.g. ragged splits) or as a list (Concat, Pack).
  const hostInputs = copyInputs(inputs as InputTree, copy) as NamedTensorInfoMap;
  const hostOutputs: TensorInfo[] = [];
  try {
    const out = config.kernelFunc({ inputs: hostInputs, backend: cpu, attrs });
    hostOutputs.push(...(Array.isArray(out) ? out : [out]));
    // Read every output before freeing anything: a cpu kernel may return an input's dataId (with its
    // reference count raised, so the frees below are reference drops, never forced).
    const results = hostOutputs.map((o) =>
      o.dtype === 'complex64' ? backend.adoptHost(o) : backend.makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId)),
    );
    return Array.isArray(out) ? results : results[0];
  } finally {
    for (const t of [...copied, ...hostOutputs.filter((o) => o.dtype !== 'complex64')]) cpu.disposeData(t.dataId);
  }
}
