/**
 * Sum and Mean gradients that broadcast dy to x's shape. tfjs-core's multiply
 * dy by ones(x.shape), and ones() fills a JS typed array of x's size and
 * uploads it on every call: each SE block's global average pool (DResNet has
 * one per block) built and copied an activation-sized array per training
 * step, 6% of DResNet's host time on a GPU, and on tfjs's cpu backend the
 * broadcast alone takes half the time of the multiply. Same values: the
 * multiply by one is exact, and Mean divides before broadcasting instead of
 * after.
 */
import * as tf from '@tensorflow/tfjs-core';

/** dy reshaped to x's rank, with 1 on the reduced axes (keepDims or not). */
function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

function reductionGradConfig(kernelName: string, scaled: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axis = (attrs as unknown as { axis: number | number[] }).axis;
      return {
        x: () => {
          const expanded = expandedDy(dy as tf.Tensor, x, axis);
          // Elements summed into each output; tfjs's mean gradient divides by it.
          const reduceSize = x.size / Math.max(1, expanded.size);
          return tf.broadcastTo(scaled ? tf.div(expanded, reduceSize) : tf.cast(expanded, 'float32'), x.shape);
        },
      };
    },
  };
}

/** Replaces tfjs-core's Sum and Mean gradients (registered by the tfjs-layers bundle). */
export function registerReductionGradients(): void {
  tf.registerGradient(reductionGradConfig(tf.Sum, false));
  tf.registerGradient(reductionGradConfig(tf.Mean, true));
}
