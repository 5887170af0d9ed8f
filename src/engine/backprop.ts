/**
 * Backprop that frees as it goes.
 *
 * tfjs's engine.gradients (tfjs-core 4.22) keeps every intermediate gradient,
 * and every tensor a kernel saved for its gradient, until the whole backward
 * pass has run. A training step therefore peaks at about twice the memory of
 * the forward pass: DResNet at 128 px and batch 32 holds 1278 MiB of
 * activations after the forward pass and peaked at 2753 MiB in the backward.
 *
 * The tape is in execution order, so once backprop has run a node's gradient,
 * every consumer of that node's outputs has run too: the gradients with respect
 * to its outputs, and the tensors it saved, are dead. This version of
 * engine.gradients frees them there, and frees a partial gradient once it has
 * been added into its sum. It runs the same gradient kernels in the same order
 * as tfjs's, so the gradients are bit-identical; only memory changes.
 *
 * Nested gradients (a gradient taken inside another's f) go to tfjs's own
 * implementation: there the outer tape still needs what the inner one saved.
 */
import * as tf from '@tensorflow/tfjs-core';

type GradFn = () => tf.Tensor;

/** A tape node as tfjs's engine records it. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, GradFn>;
}

type Gradients = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };

/** The parts of tfjs-core's Engine this uses (all public at run time). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
  nextTensorId(): number;
  gradients: Gradients & { [FREEING]?: true };
}

const FREEING = Symbol('dresnet.freeingBackprop');

/**
 * Replaces the engine's gradients() (used by tf.grad(s), tf.variableGrads and
 * every optimizer's minimize) with the freeing version. Idempotent.
 */
export function installFreeingBackprop(engine: ReturnType<typeof tf.engine> = tf.engine()): void {
  const internals = engine as unknown as EngineInternals;
  if (internals.gradients[FREEING]) return;
  const tfjsGradients = internals.gradients;
  const gradients: Gradients = function (this: EngineInternals, f, xs, dy, allowNoGradients = false) {
    // At depth > 0 an outer tape is recording this backward pass.
    if (this.state.gradientDepth > 0) return tfjsGradients.call(this, f, xs, dy, allowNoGradients);
    return freeingGradients(this, f, xs, dy, allowNoGradients);
  };
  internals.gradients = Object.assign(gradients, { [FREEING]: true as const });
}

/** engine.gradients with the same checks and messages as tfjs-core 4.22's. */
function freeingGradients(engine: EngineInternals, f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor | undefined, allowNoGradients: boolean) {
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = engine.state.activeTape!;
  const filtered = nodesFromXsToY(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0) {
    throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
  }
  return engine.tidy('backward', () => {
    const grads = backpropagate(engine, filtered, xs, y, dy);
    // What backprop did not free: the saved tensors of nodes off the x -> y path.
    for (const node of tape) tf.dispose(node.saved ?? []);
    engine.state.activeTape = null;
    return { value: y, grads };
  });
}

/**
 * The nodes on a path from some x to y, in tape order, each with only the
 * inputs that depend on an x (tfjs's getFilteredNodesXToY).
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const inputsOf = (node: TapeNode) => Object.values(node.inputs).filter((t) => t != null);
  const fromX = new Set(xs.map((x) => x.id));
  const reachedFromX = new Set<number>();
  for (const node of tape) {
    if (inputsOf(node).some((t) => fromX.has(t.id))) {
      reachedFromX.add(node.id);
      for (const out of node.outputs) fromX.add(out.id);
    }
  }
  const toY = new Set([y.id]);
  const leadsToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((out) => toY.has(out.id))) {
      leadsToY.add(node.id);
      for (const t of inputsOf(node)) toY.add(t.id);
    }
  }
  return tape
    .filter((node) => reachedFromX.has(node.id) && leadsToY.has(node.id))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => t != null && fromX.has(t.id))) }));
}

/**
 * The gradient of y with respect to each tensor, accumulated as backprop
 * reaches it. A gradient tensor can sit under several ids (an identity
 * gradient passes dy on as dx), so it is freed only when no id holds it, and
 * only if this backward pass made it (never the caller's dy, nor a tensor a
 * gradient function returned from elsewhere).
 */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  constructor(private readonly firstOwnId: number) {}

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  set(id: number, gradient: tf.Tensor): void {
    this.byId.set(id, gradient);
    this.holders.set(gradient, (this.holders.get(gradient) ?? 0) + 1);
  }

  /** Drops the id's gradient, freeing it if nothing else holds it. */
  drop(id: number): void {
    const gradient = this.byId.get(id);
    if (gradient === undefined) return;
    this.byId.delete(id);
    const left = this.holders.get(gradient)! - 1;
    if (left > 0) this.holders.set(gradient, left);
    else this.holders.delete(gradient);
    this.release(gradient);
  }

  /** Frees a tensor this pass made, unless an id holds it or it was kept. */
  release(t: tf.Tensor): void {
    if (t.id > this.firstOwnId && !this.holders.has(t) && !(t as tf.Tensor & { kept?: boolean }).kept) t.dispose();
  }

  holds(t: tf.Tensor): boolean {
    return this.holders.has(t);
  }
}

/** tfjs's backpropagateGradients, freeing each node's dead tensors once its gradient has run. */
function backpropagate(engine: EngineInternals, filtered: TapeNode[], xs: tf.Tensor[], y: tf.Tensor, dy: tf.Tensor | undefined): tf.Tensor[] {
  const grads = new GradientMap(engine.nextTensorId());
  const wanted = new Set(xs.map((x) => x.id));
  grads.set(y.id, dy ?? tf.ones(y.shape));
  for (let i = filtered.length - 1; i >= 0; i--) {
    const node = filtered[i];
    if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const inputGradients = node.gradient(node.outputs.map((out) => grads.get(out.id) ?? null));
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in inputGradients)) {
        throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
      }
      const dx = engine.tidy('gradient', () => inputGradients[name]());
      checkGradient(node, name, dx, x);
      const partial = grads.get(x.id);
      if (partial === undefined) {
        grads.set(x.id, dx);
      } else {
        const total = tf.add(partial, dx);
        grads.drop(x.id);
        grads.set(x.id, total);
        grads.release(dx);
      }
    }
    for (const out of node.outputs) if (!wanted.has(out.id)) grads.drop(out.id);
    for (const t of node.saved ?? []) if (!grads.holds(t)) t.dispose();
  }
  return xs.map((x) => grads.get(x.id)!);
}

function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32') {
    throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
  }
  if (!tf.util.arraysEqual(dx.shape, x.shape)) {
    throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
  }
}
