import * as tf from '@tensorflow/tfjs-core';
import { TorchBackend } from './backend';
import { loadBinding } from './binding';
import { BACKEND_NAME } from './kernel_utils';
import { registerAllKernels } from './register_all_kernels';

export { TorchBackend } from './backend';
export { loadBinding, HOW_TO_GET_LIBTORCH, ADDON_PATH } from './binding';
export { loadedBlas, isReferenceBlas, HOW_TO_GET_OPENBLAS } from './blas';
export type { TorchBinding, NativeInfo, FloatType } from './binding';
export { KERNEL_CONFIGS } from './register_all_kernels';
export { BACKEND_NAME } from './kernel_utils';

/** Below tfjs-node's 'tensorflow' (3), above 'cpu' (1). */
export const TORCH_PRIORITY = 2;

let registered = false;

/**
 * Registers the 'torch' backend and its kernels with tfjs (once). The addon
 * is only loaded when tfjs first initialises the backend.
 */
export function registerTorchBackend(): void {
  if (registered) return;
  registered = true;
  registerAllKernels();
  tf.registerBackend(BACKEND_NAME, () => new TorchBackend(loadBinding()), TORCH_PRIORITY);
}
