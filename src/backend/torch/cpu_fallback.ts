import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { NamedAttrMap, NamedTensorInfoMap, TensorInfo, getKernel } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend';

/**
 * Host-side kernels: ATen has no string dtype, and some kernels (string ops,
 * sparse and ragged tensors, NMS, unique, bincount) produce shapes that depend
 * on the data and run element by element. These run tfjs-backend-cpu's own
 * kernel on the values read from the torch backend, on a private cpu backend
 * instance, and write the results back; none of them is on the zoo's path.
 */
let host: MathBackendCPU | undefined;

function hostBackend(): MathBackendCPU {
  host ??= new MathBackendCPU();
  return host;
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
  const hostInputs: NamedTensorInfoMap = {};
  for (const [name, t] of Object.entries(inputs)) {
    if (t !== undefined) hostInputs[name] = { ...t, dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype) };
  }
  const hostOutputs: TensorInfo[] = [];
  try {
    const out = config.kernelFunc({ inputs: hostInputs, backend: cpu, attrs });
    hostOutputs.push(...(Array.isArray(out) ? out : [out]));
    // Read every output before freeing anything: a cpu kernel may return an input's dataId.
    const results = hostOutputs.map((o) => backend.makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId)));
    return Array.isArray(out) ? results : results[0];
  } finally {
    for (const t of [...Object.values(hostInputs), ...hostOutputs]) {
      if (t !== undefined) cpu.disposeData(t.dataId, true);
    }
  }
}
