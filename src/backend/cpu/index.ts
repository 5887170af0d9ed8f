import { KernelFunc, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CpuKernelArgs, FastCpuKernel } from './kernel_utils';
import { conv2dKernel } from './kernels/conv2d';
import { conv2dBackpropFilterKernel } from './kernels/conv2d_backprop_filter';
import { conv2dBackpropInputKernel } from './kernels/conv2d_backprop_input';
import { depthwiseConv2dNativeKernel } from './kernels/depthwise_conv2d_native';
import { depthwiseConv2dNativeBackpropFilterKernel } from './kernels/depthwise_conv2d_native_backprop_filter';
import { depthwiseConv2dNativeBackpropInputKernel } from './kernels/depthwise_conv2d_native_backprop_input';
import { addKernel, multiplyKernel, realDivKernel, subKernel } from './kernels/broadcast_binary';
import { maxPoolGradKernel } from './kernels/max_pool_grad';
import { avgPoolGradKernel } from './kernels/avg_pool_grad';
import { batchMatMulKernel } from './kernels/batch_mat_mul';
import { tileKernel } from './kernels/tile';
import { transposeKernel } from './kernels/transpose';
import { sumKernel } from './kernels/sum';
import { meanKernel } from './kernels/mean';
import { sliceKernel } from './kernels/slice';
import { splitVKernel } from './kernels/split_v';

/**
 * Faster versions of the tfjs-backend-cpu kernels that a DResNet training
 * step spends its time in, found by profiling the quick start (the filter
 * gradient of the 7x7 stem conv alone was 40% of a step; then broadcast
 * products, transposes, reductions, splits, pooling gradients, the grouped
 * 1x1 convs' batched matmuls). They replace tfjs's kernels under the backend
 * name 'cpu' and hand every case they do not cover back to tfjs's own kernel.
 * On the earlier quick start (batches of 8) they took training from 5 to
 * about 36 img/s on the 2-core machine. test/cpu-fast-kernels.test.ts compares each with tfjs's.
 */
export const FAST_CPU_KERNELS: readonly FastCpuKernel[] = [
  conv2dKernel,
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  depthwiseConv2dNativeKernel,
  depthwiseConv2dNativeBackpropFilterKernel,
  depthwiseConv2dNativeBackpropInputKernel,
  maxPoolGradKernel,
  avgPoolGradKernel,
  addKernel,
  subKernel,
  multiplyKernel,
  realDivKernel,
  batchMatMulKernel,
  transposeKernel,
  tileKernel,
  sumKernel,
  meanKernel,
  sliceKernel,
  splitVKernel,
];

const originals = new Map<string, KernelFunc>();

/**
 * Registers FAST_CPU_KERNELS for the 'cpu' backend (once; later calls do
 * nothing). tfjs's kernels are kept, for the cases the fast ones pass on and
 * for originalCpuKernel.
 */
export function registerFastCpuKernels(): void {
  for (const fast of FAST_CPU_KERNELS) {
    if (originals.has(fast.kernelName)) continue;
    const config = getKernel(fast.kernelName, 'cpu');
    if (config === undefined) continue;
    const original = config.kernelFunc;
    originals.set(fast.kernelName, original);
    unregisterKernel(fast.kernelName, 'cpu');
    registerKernel({
      kernelName: fast.kernelName,
      backendName: 'cpu',
      kernelFunc: (args) => fast.kernelFunc(args as unknown as CpuKernelArgs, original),
    });
  }
}

/** tfjs-backend-cpu's own kernel function (before registerFastCpuKernels replaced it). */
export function originalCpuKernel(kernelName: string): KernelFunc {
  const original = originals.get(kernelName) ?? getKernel(kernelName, 'cpu')?.kernelFunc;
  if (original === undefined) throw new Error(`tfjs-backend-cpu has no kernel '${kernelName}'`);
  return original;
}
