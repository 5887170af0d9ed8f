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
 * a pass that draws JS values per call (a random mask, a scalar that changes)
 * makes two plans that differ, and stays eager. A pass that reads a tensor
 * back to the host while it runs, or runs on another backend, stays eager too;
 * `status` says why. A replay binds the plan to every variable's current
 * tensor, so an assign (a checkpoint restore, an optimiser step) is seen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TorchBackend } from './torch/backend';

/** How a compiled pass runs for one input signature. */
export type PassMode = { mode: 'recording' } | { mode: 'replaying'; steps: number } | { mode: 'eager'; reason: string };

interface Signature {
  /** The plan recorded first, waiting for a second recording to agree with it. */
  candidate?: number;
  plan?: number;
  /** The variables the plan was recorded over, by name, after the pass's own inputs. */
  variables: string[];
  reason?: string;
}

export class CompiledPass {
  private readonly signatures = new Map<string, Signature>();

  constructor(private readonly fn: (inputs: tf.Tensor[]) => tf.Tensor[]) {}

  /** Runs the pass: eagerly while it records, replayed once its plan is trusted. */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    const backend = tf.engine().backend;
    if (!(backend instanceof TorchBackend)) return this.fn(inputs);
    const key = signatureOf(inputs);
    let sig = this.signatures.get(key);
    if (sig?.plan !== undefined && !sig.variables.every((name) => name in tf.engine().registeredVariables)) {
      // A variable the plan reads is gone (its model was disposed): record anew.
      this.forget(backend, sig);
      sig = undefined;
    }
    if (sig === undefined) {
      sig = { variables: [] };
      this.signatures.set(key, sig);
    }
    if (sig.plan !== undefined) return this.replay(backend, sig, inputs);
    if (sig.reason !== undefined) return this.fn(inputs);
    return this.record(backend, sig, inputs);
  }

  /** The mode of the pass for inputs of these shapes and dtypes. */
  status(inputs: readonly tf.Tensor[]): PassMode {
    const backend = tf.engine().backend;
    if (!(backend instanceof TorchBackend)) return { mode: 'eager', reason: `the ${tf.getBackend()} backend records no plans` };
    const sig = this.signatures.get(signatureOf(inputs));
    if (sig?.plan !== undefined) return { mode: 'replaying', steps: backend.planInfo(sig.plan).steps };
    if (sig?.reason !== undefined) return { mode: 'eager', reason: sig.reason };
    return { mode: 'recording' };
  }

  /** Frees the plans (the pass stays usable and records again). */
  dispose(): void {
    const backend = tf.engine().backend;
    if (backend instanceof TorchBackend) for (const sig of this.signatures.values()) this.forget(backend, sig);
    this.signatures.clear();
  }

  private record(backend: TorchBackend, sig: Signature, inputs: tf.Tensor[]): tf.Tensor[] {
    const names = Object.keys(tf.engine().registeredVariables);
    const recorded = backend.record([...inputs, ...variableTensors(names)], () => this.fn(inputs));
    if (recorded.plan === undefined) {
      this.forget(backend, sig);
      sig.reason = recorded.reason;
    } else if (sig.candidate === undefined) {
      sig.candidate = recorded.plan;
      sig.variables = names;
    } else {
      this.confirm(backend, sig, recorded.plan, names);
    }
    return recorded.outputs;
  }

  /** Trusts the second recording when it agrees with the first; otherwise the pass stays eager. */
  private confirm(backend: TorchBackend, sig: Signature, plan: number, names: string[]): void {
    const agree = sameNames(names, sig.variables) && backend.samePlans(sig.candidate!, plan);
    backend.disposePlan(sig.candidate!);
    sig.candidate = undefined;
    if (agree) {
      sig.plan = plan;
      return;
    }
    backend.disposePlan(plan);
    sig.reason = 'two recordings of the pass differ (it draws values in JS per call, e.g. a random mask, or the variables changed)';
  }

  private replay(backend: TorchBackend, sig: Signature, inputs: tf.Tensor[]): tf.Tensor[] {
    const outputs = backend.replay(sig.plan!, [...inputs, ...variableTensors(sig.variables)]);
    return outputs.map((info) => tf.engine().makeTensorFromTensorInfo(info, backend));
  }

  private forget(backend: TorchBackend, sig: Signature): void {
    for (const plan of [sig.candidate, sig.plan]) if (plan !== undefined) backend.disposePlan(plan);
    sig.candidate = undefined;
    sig.plan = undefined;
  }
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
