import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's CommonJS entry registers no gradients (its register_all_gradients is
// ESM-only); loading the tfjs-layers bundle registers all of them.
import '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { logitsModel, trainingLogits } from '../models';
import type { Dataset } from '../data/types';
import { bnScalePenalty, LossFn } from './losses';
import type { ScheduledOptimizer } from './optimizer';
import { evaluatePredictions, EvalMetrics } from './metrics';
import { withSeededMathRandom } from '../util/rng';
import { CompiledPass, PassMode } from '../backend';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface StepResult {
  /** The data loss (without the weight-decay and bnL1 terms), averaged over the batch. */
  loss: number;
  correct: number;
  size: number;
}

/**
 * One optimisation step. The gradients are applied only when the loss is
 * finite, so a NaN/Inf step leaves the weights as they were and the caller can
 * stop on the last good state. Weight decay is the optimiser's (it adds
 * weightDecay·w to the gradients instead of a penalty on the tape). Every
 * tensor made here is disposed before it returns (the tensor count stays flat
 * across steps).
 *
 * `randomSeed` seeds Math.random for the step: tfjs's random ops draw their
 * seed from it when given none, and the dropout layers (MobileNet v2's head)
 * give none, so without it each step's dropout mask, and with it the whole
 * run, differed from one run to the next. The trainer passes (seed, fold,
 * step), which a resumed run replays.
 */
export function trainStep(model: LayersModel, optimizer: ScheduledOptimizer, lossFn: LossFn, batch: Batch,
  randomSeed?: readonly number[]): StepResult {
  const pass = new GradientPass(model, lossFn);
  return seeded(randomSeed, () => applyStep(optimizer, batch, pass.run([batch.x, batch.y]), pass.names));
}

/**
 * The trainer's step with its gradient pass (forward, loss, backward, the
 * batch-norm statistics' updates) replayed from a plan recorded per batch
 * shape when `compile` is set (src/backend/compiled.ts): one native call
 * instead of one per kernel, the same kernels in the same order. The update
 * stays the fused optimiser's one kernel call, after the loss is read (a
 * non-finite loss skips it, as in trainStep). A pass that draws JS values per
 * step (MobileNet v2's dropout masks) stays eager; `mode` says so.
 */
export class TrainStep {
  private readonly pass: GradientPass;
  private readonly compiled?: CompiledPass;

  constructor(model: LayersModel, private readonly optimizer: ScheduledOptimizer, lossFn: LossFn, compile: boolean) {
    this.pass = new GradientPass(model, lossFn);
    if (compile) this.compiled = new CompiledPass((inputs) => this.pass.run(inputs));
  }

  run(batch: Batch, randomSeed?: readonly number[]): StepResult {
    const inputs = [batch.x, batch.y];
    // A replay's outputs are those of the recording, the last eager run, whose gradient names the pass kept.
    return seeded(randomSeed, () => applyStep(this.optimizer, batch, this.compiled ? this.compiled.run(inputs) : this.pass.run(inputs), this.pass.names));
  }

  /** Why the gradient pass runs eagerly for some batch shape with compile set (none: it replays, or compile is off). */
  eagerReasons(): string[] {
    return this.compiled?.eagerReasons() ?? [];
  }

  /** How the gradient pass runs for this batch's shapes. */
  mode(batch: Batch): PassMode {
    return this.compiled?.status([batch.x, batch.y]) ?? { mode: 'eager', reason: 'runtime.compile is off' };
  }

  dispose(): void {
    this.compiled?.dispose();
  }
}

function seeded<T>(randomSeed: readonly number[] | undefined, f: () => T): T {
  return randomSeed ? withSeededMathRandom(randomSeed, f) : f();
}

/**
 * The step's tensor work up to the update: [total loss, data loss (without
 * the weight-decay and bnL1 terms), correct count, then the gradients of the
 * variables in `names`] (the trainable variables that get one, in the
 * model's order, as tfjs's variableGrads names them).
 */
class GradientPass {
  names: string[] = [];

  constructor(private readonly model: LayersModel, private readonly lossFn: LossFn) {}

  run([x, y]: tf.Tensor[]): tf.Tensor[] {
    const { model, lossFn } = this;
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    let correct: tf.Scalar | undefined;
    let dataLoss: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = trainingLogits(model, x as tf.Tensor4D);
      correct = tf.keep(correctCount(logits, y as tf.Tensor1D));
      dataLoss = tf.keep(lossFn(logits, y as tf.Tensor1D));
      return lossFn.bnL1 ? tf.add(dataLoss, bnScalePenalty(model, lossFn.bnL1)) as tf.Scalar : dataLoss;
    }, variables);
    this.names = Object.keys(grads);
    return [value, dataLoss!, correct!, ...this.names.map((name) => grads[name])];
  }
}

/** Reads the loss, applies the gradients when it is finite, and frees the pass's tensors. */
function applyStep(optimizer: ScheduledOptimizer, batch: Batch, outputs: tf.Tensor[], names: readonly string[]): StepResult {
  const [value, dataLoss, correct, ...gradients] = outputs;
  try {
    const loss = dataLoss.dataSync()[0];
    if (Number.isFinite(value.dataSync()[0])) optimizer.applyGradients(Object.fromEntries(names.map((name, i) => [name, gradients[i]])));
    return { loss, correct: correct.dataSync()[0], size: batch.y.shape[0] };
  } finally {
    tf.dispose([...new Set(outputs)]);
  }
}

function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32')) as tf.Scalar);
}

export interface Evaluation {
  loss: number;
  metrics: EvalMetrics;
  /** Row-major [n, classes] softmax outputs, in the order of the batches. */
  probs: Float32Array;
  labels: Int32Array;
}

/**
 * A model's logits in inference mode (BN on its moving statistics), eager or,
 * with `compile` (runtime.compile, the default), replayed from a plan recorded per batch
 * shape (src/backend/compiled.ts; the same kernels in the same order, so the
 * same values bit for bit). One per model, kept across epochs: a replay
 * reads the weights as they are now.
 */
export class InferenceLogits {
  private readonly pass?: CompiledPass;

  constructor(private readonly model: LayersModel, compile: boolean) {
    if (compile) this.pass = new CompiledPass(([x]) => [this.eager(x)]);
  }

  of(x: tf.Tensor4D): tf.Tensor2D {
    return this.pass ? (this.pass.run([x])[0] as tf.Tensor2D) : this.eager(x);
  }

  dispose(): void {
    this.pass?.dispose();
  }

  private eager(x: tf.Tensor): tf.Tensor2D {
    return logitsModel(this.model).apply(x, { training: false }) as tf.Tensor2D;
  }
}

/** Inference mode (BN uses its moving statistics) over every batch; the loss is the training loss. */
export async function evaluateModel(
  inference: InferenceLogits,
  batches: AsyncIterable<Batch>,
  lossFn: LossFn,
  classes: Pick<Dataset, 'classes' | 'roles'>,
): Promise<Evaluation> {
  const probParts: Float32Array[] = [];
  const labelParts: Int32Array[] = [];
  let lossSum = 0;
  for await (const batch of batches) {
    try {
      const [probs, loss] = tf.tidy(() => {
        const logits = inference.of(batch.x);
        return [tf.softmax(logits), lossFn(logits, batch.y)] as const;
      });
      probParts.push((await probs.data()) as Float32Array);
      labelParts.push(Int32Array.from(await batch.y.data()));
      lossSum += (await loss.data())[0] * batch.y.shape[0];
      tf.dispose([probs, loss]);
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }
  const probs = concat(probParts, Float32Array);
  const labels = concat(labelParts, Int32Array);
  const metrics = evaluatePredictions({ probs, labels, numClasses: classes.classes.length }, classes.classes, classes.roles);
  return { loss: labels.length > 0 ? lossSum / labels.length : NaN, metrics, probs, labels };
}

function concat<T extends Float32Array | Int32Array>(parts: T[], Ctor: { new (n: number): T }): T {
  const out = new Ctor(parts.reduce((a, p) => a + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
