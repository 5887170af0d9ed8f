import * as tf from '@tensorflow/tfjs-core';

/** Whether the active backend has its own kernel under this name (else the generic tfjs-ops path runs). */
export function hasBackendKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) != null;
}
