/**
 * Compiled passes: a function of tensors recorded as a native plan (see
 * native/src/plan.h) on the torch backend and from then on replayed in one
 * native call, without tfjs's engine, the kernels' TypeScript or an N-API
 * call per kernel. Batch-1 inference is where that host work is most of the
 * time (a folded ShuffleNet v2 makes 155 kernel calls for about 4 ms of
 * native work).
 *
 * A plan is trusted only after two recordings of the pass (its first two
 * calls with that input signature) agree in every op, attribute and constant:
 * a pass that makes JS values per call (a scalar that changes) makes two plans
 * that differ, and stays eager. Values it draws through drawPerCall (src/ops/
 * drawn.ts: a dropout mask) are inputs of the plan instead, drawn again before
 * each replay, as the eager pass would draw them. A pass that reads a tensor
 * back to the host while it runs, or runs on another backend, stays eager too;
 * `status` says why. A replay binds the plan to every variable's current
 * tensor, so an assign (a checkpoint restore, an optimiser step) is seen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Draw, withDrawHook } from '../ops';
import { TorchBackend } from './torch/backend';

/** How a compiled pass runs for one input signature. */
export type PassMode =
  | { mode: 'recording' }
  /** graph: how a buffered replay (runtime.cudaGraphs) runs, once one has: 'captured', 'steps' or 'not captured: <why>'. */
  | { mode: 'replaying'; steps: number; graph?: string }
  | { mode: 'eager'; reason: string };

/** Recordings during which variables appear (an optimiser's slots on its first step) are retried this many times. */
const MAX_UNSETTLED_RECORDINGS = 3;

interface Recording {
  plan: number;
  /** The variables the plan reads, by name, after the pass's own inputs. */
  variables: string[];
  /** The variables the pass assigns (batch-norm statistics), by name: its outputs after the pass's own. */
  assigned: string[];
  /** The pass's per-call draws (dropout masks), in order: the plan's last inputs. */
  draws: Draw[];
}

interface Signature {
  /** The plan recorded first, waiting for a second recording to agree with it. */
  candidate?: Recording;
  trusted?: Recording;
  reason?: string;
  unsettled: number;
}

export class CompiledPass {
  private readonly signatures = new Map<string, Signature>();

  constructor(private readonly fn: (inputs: tf.Tensor[]) => tf.Tensor[]) {}

  /** Runs the pass: eagerly while it records, replayed once its plan is trusted. */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    const backend = tf.engine().backend;
    if (!(backend instanceof TorchBackend)) return this.fn(inputs);
    const sig = this.signature(backend, signatureOf(inputs));
    if (sig.trusted !== undefined) return this.replay(backend, sig.trusted, inputs);
    if (sig.reason !== undefined) return this.fn(inputs);
    return this.record(backend, sig, inputs);
  }

  /** The mode of the pass for inputs of these shapes and dtypes. */
  status(inputs: readonly tf.Tensor[]): PassMode {
    const backend = tf.engine().backend;
    if (!(backend instanceof TorchBackend)) return { mode: 'eager', reason: `the ${tf.getBackend()} backend records no plans` };
    const sig = this.signatures.get(signatureOf(inputs));
    if (sig?.trusted !== undefined) {
      const { steps, graph } = backend.planInfo(sig.trusted.plan);
      return graph === undefined ? { mode: 'replaying', steps } : { mode: 'replaying', steps, graph };
    }
    if (sig?.reason !== undefined) return { mode: 'eager', reason: sig.reason };
    return { mode: 'recording' };
  }

  /** Why the pass runs eagerly, for every input signature that does (each reason once). */
  eagerReasons(): string[] {
    return [...new Set([...this.signatures.values()].flatMap((sig) => (sig.reason === undefined ? [] : [sig.reason])))];
  }

  /** Frees the plans (the pass stays usable and records again). */
  dispose(): void {
    const backend = tf.engine().backend;
    if (backend instanceof TorchBackend) for (const sig of this.signatures.values()) forget(backend, sig);
    this.signatures.clear();
  }

  /** The signature's state; a stale plan (see stale) is dropped, to record anew. */
  private signature(backend: TorchBackend, key: string): Signature {
    const sig = this.signatures.get(key);
    if (sig !== undefined && !stale(sig)) return sig;
    if (sig !== undefined) forget(backend, sig);
    const fresh: Signature = { unsettled: 0 };
    this.signatures.set(key, fresh);
    return fresh;
  }

  private record(backend: TorchBackend, sig: Signature, inputs: tf.Tensor[]): tf.Tensor[] {
    const registered = tf.engine().registeredVariables;
    const variables = Object.keys(registered);
    const before = new Map(variables.map((name) => [name, registered[name].dataId]));
    let assigned: string[] = [];
    const draws: Draw[] = [];
    const drawAsInput = (draw: Draw): tf.Tensor => {
      const t = draw();
      backend.markDrawn(t);
      draws.push(draw);
      return t;
    };
    const recorded = backend.record([...inputs, ...variableTensors(variables)], () => {
      const outputs = withDrawHook(drawAsInput, () => this.fn(inputs));
      assigned = variables.filter((name) => name in registered && registered[name].dataId !== before.get(name));
      return [...outputs, ...variableTensors(assigned)];
    });
    const outputs = recorded.outputs.slice(0, recorded.outputs.length - assigned.length);
    if (recorded.plan === undefined) {
      forget(backend, sig);
      sig.reason = recorded.reason;
    } else if (!sameNames(Object.keys(registered), variables)) {
      this.unsettled(backend, sig, recorded.plan);
    } else if (sig.candidate !== undefined && sameNames(sig.candidate.variables, variables)) {
      this.confirm(backend, sig, { plan: recorded.plan, variables, assigned, draws });
    } else {
      // The first recording, or the variables changed since the last one (an optimiser made its slots after it): start over.
      if (sig.candidate !== undefined) this.unsettled(backend, sig, sig.candidate.plan);
      if (sig.reason === undefined) sig.candidate = { plan: recorded.plan, variables, assigned, draws };
      else backend.disposePlan(recorded.plan);
    }
    return outputs;
  }

  /**
   * A recording whose variables did not last (some appeared or went during
   * it or before the next call) is no candidate; after a few, the pass stays eager.
   */
  private unsettled(backend: TorchBackend, sig: Signature, plan: number): void {
    backend.disposePlan(plan);
    sig.candidate = undefined;
    if (++sig.unsettled < MAX_UNSETTLED_RECORDINGS) return;
    forget(backend, sig);
    sig.reason = `the variables change on each of ${MAX_UNSETTLED_RECORDINGS} calls (a pass or its caller creates or disposes some)`;
  }

  /** Trusts the second recording when it agrees with the first; otherwise the pass stays eager. */
  private confirm(backend: TorchBackend, sig: Signature, second: Recording): void {
    const first = sig.candidate!;
    const agree = sameNames(first.assigned, second.assigned) && backend.samePlans(first.plan, second.plan);
    backend.disposePlan(first.plan);
    sig.candidate = undefined;
    if (agree) {
      sig.trusted = second;
      return;
    }
    backend.disposePlan(second.plan);
    sig.reason = 'two recordings of the pass differ (it makes values in JS per call other than through drawPerCall, or the variables changed)';
  }

  /** The plan's outputs; the variables the pass assigns get their new values, as the eager pass assigned them. */
  private replay(backend: TorchBackend, recording: Recording, inputs: tf.Tensor[]): tf.Tensor[] {
    const drawn = recording.draws.map((draw) => draw());
    let infos: tf.TensorInfo[];
    try {
      infos = backend.replay(recording.plan, [...inputs, ...variableTensors(recording.variables), ...drawn]);
    } finally {
      tf.dispose(drawn);
    }
    const outputs = infos.map((info) => tf.engine().makeTensorFromTensorInfo(info, backend));
    const own = outputs.slice(0, outputs.length - recording.assigned.length);
    const registered = tf.engine().registeredVariables;
    recording.assigned.forEach((name, i) => {
      const value = outputs[own.length + i];
      registered[name].assign(value);
      value.dispose();
    });
    return own;
  }
}

/** A trusted plan some of whose variables are gone (their model was disposed). */
function stale(sig: Signature): boolean {
  const registered = tf.engine().registeredVariables;
  return sig.trusted !== undefined && !sig.trusted.variables.every((name) => name in registered);
}

function forget(backend: TorchBackend, sig: Signature): void {
  for (const r of [sig.candidate, sig.trusted]) if (r !== undefined) backend.disposePlan(r.plan);
  sig.candidate = undefined;
  sig.trusted = undefined;
}

function signatureOf(inputs: readonly tf.Tensor[]): string {
  return inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
}

function variableTensors(names: readonly string[]): tf.Variable[] {
  const registered = tf.engine().registeredVariables;
  return names.map((name) => registered[name]);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
