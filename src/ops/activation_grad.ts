/**
 * ReLU, ReLU6 and ClipByValue gradients as one kernel each. tfjs-core builds
 * them from 3-6 elementwise kernels (ReLU: dy * cast(step(x)); ClipByValue:
 * where(logicalAnd(greaterEqual, lessEqual), dy, zerosLike(dy))), each a pass
 * over an activation-sized tensor and an allocation, for what torch's
 * threshold_backward does in one pass. A backend that registers the kernels
 * below gets them used; every other backend keeps tfjs-core's gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ActivationGradInputs, CLIP_BY_VALUE_GRAD, RELU6_GRAD, RELU_GRAD } from './kernel_names';
import { hasBackendKernel } from './dispatch';

/** Forward kernel → the kernel computing its gradient from (dy, x) and the forward attrs. */
const GRAD_KERNELS: ReadonlyArray<readonly [string, string]> = [
  [tf.Relu, RELU_GRAD],
  [tf.Relu6, RELU6_GRAD],
  [tf.ClipByValue, CLIP_BY_VALUE_GRAD],
];

/** A gradient of `kernelName` that runs `gradKernel` where the backend has it, else `fallback`. */
function activationGradConfig(kernelName: string, gradKernel: string, fallback: tf.GradConfig): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      // Only float activations: tfjs also differentiates int32 ones, through casts.
      if (!hasBackendKernel(gradKernel) || x.dtype !== 'float32') return fallback.gradFunc(dy, saved, attrs);
      const inputs: ActivationGradInputs = { dy: dy as tf.Tensor, x };
      return { x: () => tf.engine().runKernel(gradKernel, inputs as unknown as tf.NamedTensorMap, attrs) as tf.Tensor };
    },
  };
}

/**
 * Replaces tfjs-core's gradients of these kernels (registered by the
 * tfjs-layers bundle) with ones that dispatch to the kernels; idempotent.
 */
export function registerActivationGradients(): void {
  for (const [kernelName, gradKernel] of GRAD_KERNELS) {
    const current = tf.getGradient(kernelName);
    if (current == null || (current as { dresnet?: boolean }).dresnet) continue;
    tf.registerGradient({ ...activationGradConfig(kernelName, gradKernel, current), dresnet: true } as tf.GradConfig);
  }
}
