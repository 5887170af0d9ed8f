/**
 * Multiply's gradient where one side weights the other per image and channel,
 * x [N, ..., C] * s [N, 1, ..., 1, C] (an SE block's scale: DResNet has one per
 * block): one DresnetChannelScaleGrad kernel gives dx = dy * s and ds = the
 * sum of dy * x over the middle axes in one pass. tfjs-core's gradient runs
 * three kernels for it (dy * s, then dy * x, as large as x, and its sum), two
 * passes more over an activation-sized tensor and one allocation of that size.
 * Every other broadcast, dtype or backend keeps tfjs-core's gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CHANNEL_SCALE_GRAD, ChannelScaleGradInputs } from './kernel_names';
import { hasBackendKernel } from './dispatch';

/** Whether `scale` is one value per image and channel of `x`: [N, 1, ..., 1, C] against [N, ..., C] (rank 3 or more). */
export function isChannelScale(x: tf.Tensor, scale: tf.Tensor): boolean {
  const r = x.rank;
  if (r < 3 || scale.rank !== r || x.dtype !== 'float32' || scale.dtype !== 'float32') return false;
  if (scale.shape[0] !== x.shape[0] || scale.shape[r - 1] !== x.shape[r - 1]) return false;
  let spread = false;
  for (let d = 1; d < r - 1; d++) {
    if (scale.shape[d] !== 1) return false;
    if (x.shape[d] !== 1) spread = true;
  }
  return spread;
}

function multiplyGradConfig(fallback: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const aBig = isChannelScale(a, b);
      if (!(aBig || isChannelScale(b, a)) || !hasBackendKernel(CHANNEL_SCALE_GRAD) || (dy as tf.Tensor).dtype !== 'float32') {
        return fallback.gradFunc(dy, saved, attrs);
      }
      const [x, scale] = aBig ? [a, b] : [b, a];
      const inputs: ChannelScaleGradInputs = { dy: dy as tf.Tensor, x, scale };
      const [dx, dScale] = tf.engine().runKernel(CHANNEL_SCALE_GRAD, inputs as unknown as tf.NamedTensorMap) as tf.Tensor[];
      // Both come from the one call; backprop calls each input's thunk.
      return aBig ? { a: () => dx, b: () => dScale } : { a: () => dScale, b: () => dx };
    },
  };
}

/** Replaces tfjs-core's Multiply gradient (registered by the tfjs-layers bundle) with one that uses the kernel; idempotent. */
export function registerMultiplyGradient(): void {
  const current = tf.getGradient(tf.Multiply);
  if (current == null || (current as { dresnet?: boolean }).dresnet) return;
  tf.registerGradient({ ...multiplyGradConfig(current), dresnet: true } as tf.GradConfig);
}
