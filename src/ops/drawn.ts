/**
 * Tensors a pass draws from JS values on every call: a dropout mask. A
 * recorded pass (src/backend/compiled.ts) cannot replay JS code, so it makes
 * each such tensor an input of its plan and keeps the draw, to call before
 * every replay; without the hook the draw just runs. The draw must depend on
 * nothing but the call's random state (Math.random, seeded per training step)
 * and shapes fixed by the pass's input signature.
 */
import type * as tf from '@tensorflow/tfjs-core';

export type Draw = () => tf.Tensor;
type DrawHook = (draw: Draw) => tf.Tensor;

let hook: DrawHook | undefined;

/** The tensor `draw` makes, for this call only. */
export function drawPerCall(draw: Draw): tf.Tensor {
  return hook === undefined ? draw() : hook(draw);
}

/** Runs `fn` with every drawPerCall inside it going through `onDraw`. */
export function withDrawHook<T>(onDraw: DrawHook, fn: () => T): T {
  const outer = hook;
  hook = onDraw;
  try {
    return fn();
  } finally {
    hook = outer;
  }
}
