/**
 * The code that depends on tfjs internals, not on its public API: the engine's
 * gradients() and tape (backprop.ts), tfjs-layers' graph of layer calls
 * (graph.ts, training_forward.ts), and MomentumOptimizer's fields
 * (momentum_fields.ts). Written against the version below; test/engine.test.ts
 * fails on any other, and checks that each internal is still there.
 */
export const TFJS_INTERNALS_VERSION = '4.22.0';

export { installFreeingBackprop } from './backprop';
export { layerCalls, readersOf, singleInputOutput } from './graph';
export type { GraphNode } from './graph';
export { trainingForward } from './training_forward';
export { momentumFields } from './momentum_fields';
export type { MomentumFields } from './momentum_fields';
