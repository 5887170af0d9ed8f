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

/**
 * Forward kernel → the kernel computing its gradient from (dy, x) and the
 * forward attrs, and whether the forward's output can stand in for x.
 *
 * ReLU's output has the same mask as its input (relu(x) > 0 exactly where
 * x > 0, NaN where x is NaN), so ReLU saves its output, which the next layer
 * saves anyway, and its input (a batch norm's output, say) need not outlive
 * the forward pass (models/training_forward.ts frees it). ReLU6 and
 * ClipByValue pass the gradient at x = 6 (the clip bounds) too, which their
 * output cannot tell from x above it: they save x.
 */
const GRAD_KERNELS: ReadonlyArray<readonly [string, string, boolean]> = [
  [tf.Relu, RELU_GRAD, true],
  [tf.Relu6, RELU6_GRAD, false],
  [tf.ClipByValue, CLIP_BY_VALUE_GRAD, false],
];

/** A gradient of `kernelName` that runs `gradKernel` where the backend has it, else `fallback`. */
function activationGradConfig(kernelName: string, gradKernel: string, fromOutput: boolean, fallback: tf.GradConfig): tf.GradConfig {
  return {
    kernelName,
    ...(fromOutput ? { outputsToSave: [true] } : { inputsToSave: ['x'] }),
    gradFunc: (dy, saved, attrs) => {
      // The forward's output where fromOutput: the same mask, see above.
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
  for (const [kernelName, gradKernel, fromOutput] of GRAD_KERNELS) {
    const current = tf.getGradient(kernelName);
    if (current == null || (current as { dresnet?: boolean }).dresnet) continue;
    tf.registerGradient({ ...activationGradConfig(kernelName, gradKernel, fromOutput, current), dresnet: true } as tf.GradConfig);
  }
}
