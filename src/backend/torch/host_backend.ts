import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/**
 * The private tfjs cpu backend instance behind the torch backend's host-side
 * tensors and kernels: complex64 tensors live there (TorchBackend), and
 * cpu_fallback.ts runs tfjs's cpu kernels there.
 */
let host: MathBackendCPU | undefined;

export function hostBackend(): MathBackendCPU {
  host ??= new MathBackendCPU();
  return host;
}
