/**
 * Host wall time per kernel of a tfjs backend, for finding where a step's time
 * goes. On an asynchronous device (CUDA) a kernel's host time is its launch
 * cost, unless it waits for the device: a kernel that is slow here although
 * its work is small is a synchronisation point.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelTime {
  kernel: string;
  calls: number;
  /** Exclusive: time inside kernels this one runs through tfjs is theirs. */
  ms: number;
}

export interface KernelTimes {
  kernels: KernelTime[];
  /** Wall time of the whole run, kernels included. */
  totalMs: number;
}

/** Runs `fn` with every kernel registered for `backendName` timed, then restores the kernels. */
export function timeKernels(backendName: string, fn: () => void): KernelTimes {
  const byKernel = new Map<string, KernelTime>();
  const childMs: number[] = [];
  const originals = tf.getKernelsForBackend(backendName);
  const timed = (config: tf.KernelConfig): tf.KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      childMs.push(0);
      const start = performance.now();
      try {
        return config.kernelFunc(args);
      } finally {
        const elapsed = performance.now() - start;
        const exclusive = elapsed - childMs.pop()!;
        if (childMs.length > 0) childMs[childMs.length - 1] += elapsed;
        const entry = byKernel.get(config.kernelName) ?? { kernel: config.kernelName, calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += exclusive;
        byKernel.set(config.kernelName, entry);
      }
    },
  });
  const swap = (configs: tf.KernelConfig[], wrap: (c: tf.KernelConfig) => tf.KernelConfig) => {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, backendName);
      tf.registerKernel(wrap(c));
    }
  };
  swap(originals, timed);
  const start = performance.now();
  try {
    fn();
  } finally {
    swap(originals, (c) => c);
  }
  const totalMs = performance.now() - start;
  return { kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms), totalMs };
}
