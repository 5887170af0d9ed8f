import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config/run-config';
import { momentumFields } from '../engine';
import { decayedGradient, momentumUpdate } from '../ops';
import { learningRateAt, ScheduleConfig } from './schedule';

export type OptimizerConfig = TrainConfig['optimizer'];

/** The learning-rate schedule of a fold: its policy and the run's length in steps. */
export interface LrSchedule {
  config: ScheduleConfig;
  epochs: number;
  stepsPerEpoch: number;
}

export interface ScheduledOptimizer {
  /** The tfjs optimiser, whose slots checkpoints save. */
  optimizer: tf.Optimizer;
  /**
   * Optimisation steps taken, the schedule's position: each applyGradients
   * advances it, and a resumed fold sets it to its checkpoint's step count.
   */
  step: number;
  /** The rate the next applyGradients uses. */
  readonly nextLearningRate: number;
  /** The rate the most recent step used (the first step's before any). */
  readonly lastLearningRate: number;
  /** One step from the loss's gradients at the schedule's rate, with the weight decay added. */
  applyGradients(grads: tf.NamedTensorMap): void;
  /** Frees the optimiser's slots and scalars. */
  dispose(): void;
}

/** The three things an optimiser does that the schedule wraps. */
interface BareOptimizer {
  optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

/**
 * Coupled weight decay, PyTorch SGD's weight_decay: each decayed variable's
 * gradient gains weightDecay·w, the gradient of (weightDecay/2)·Σw² added to
 * the loss, without putting that sum on the gradient tape.
 */
export interface WeightDecay {
  weightDecay: number;
  /** Names of the decayed variables. */
  variables: ReadonlySet<string>;
}

const NO_DECAY: WeightDecay = { weightDecay: 0, variables: new Set() };

/** The gradients with weight decay added; the caller frees those that are not in `grads`. */
function addWeightDecay(grads: tf.NamedTensorMap, { weightDecay, variables }: WeightDecay): tf.NamedTensorMap {
  if (weightDecay === 0) return grads;
  return Object.fromEntries(Object.entries(grads).map(([name, g]) =>
    [name, variables.has(name) ? tf.tidy(() => decayedGradient(g, tf.engine().registeredVariables[name], weightDecay)) : g]));
}

/**
 * tfjs's MomentumOptimizer with every variable's update, weight decay
 * included, in one kernel call (momentumUpdate) instead of four to six calls
 * per variable. The slots, their names and the rule are tfjs's, so
 * checkpoints and results are interchangeable; backends without the fused
 * kernel run tfjs's arithmetic.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  constructor(learningRate: number, momentum: number, useNesterov = false, private readonly decay: WeightDecay = NO_DECAY) {
    super(learningRate, momentum, useNesterov);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
    const fields = momentumFields(this);
    const named = Array.isArray(variableGradients)
      ? variableGradients.map((g): [string, tf.Tensor | undefined] => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const values: tf.Variable[] = [];
    const accumulations: tf.Variable[] = [];
    const gradients: tf.Tensor[] = [];
    const decayed: number[] = [];
    named.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      // Slots by position, created on first use, as tfjs does.
      fields.accumulations[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      if (gradient == null) return;
      if (this.decay.weightDecay !== 0 && this.decay.variables.has(name)) decayed.push(values.length);
      values.push(value);
      accumulations.push(fields.accumulations[i]!.variable);
      gradients.push(gradient);
    });
    const next = momentumUpdate(values, accumulations, gradients, {
      learningRate: fields.learningRate, momentum: fields.momentum, useNesterov: fields.useNesterov,
      weightDecay: this.decay.weightDecay, decayed,
    });
    values.forEach((v, i) => v.assign(next.values[i]));
    accumulations.forEach((a, i) => a.assign(next.accumulations[i]));
    tf.dispose([...next.values, ...next.accumulations]);
    this.incrementIterations();
  }
}

/**
 * SGD with momentum (Table 2: "SGD", momentum 0.9; the velocity update of
 * Caffe/PyTorch: v = m*v + g, w -= lr*v) or Adam, with coupled weight decay
 * (cfg.weightDecay) on the `decayed` variables (see decayedVariables), whose
 * learning rate follows `schedule` from cfg.lr (constant at cfg.lr without one).
 */
export function makeOptimizer(cfg: OptimizerConfig, decayed: readonly tf.Variable[] = [], schedule?: LrSchedule): ScheduledOptimizer {
  const decay: WeightDecay = { weightDecay: cfg.weightDecay, variables: new Set(decayed.map((v) => v.name)) };
  return withSchedule(bareOptimizer(cfg, decay), cfg.lr, schedule);
}

/**
 * Sets the rate of every step from the schedule, a pure function of the step
 * (so a resumed fold continues at the same rate). The rate is set only when
 * it changes: setting SGD's makes a new scalar.
 */
function withSchedule(bare: BareOptimizer, baseLr: number, schedule: LrSchedule | undefined): ScheduledOptimizer {
  const rateAt = (step: number) =>
    schedule ? learningRateAt(step, schedule.stepsPerEpoch, schedule.epochs, baseLr, schedule.config) : baseLr;
  let current = baseLr;
  return {
    optimizer: bare.optimizer,
    step: 0,
    get nextLearningRate() {
      return rateAt(this.step);
    },
    get lastLearningRate() {
      return rateAt(Math.max(0, this.step - 1));
    },
    applyGradients(grads) {
      const lr = rateAt(this.step);
      if (lr !== current) {
        bare.setLearningRate(lr);
        current = lr;
      }
      bare.applyGradients(grads);
      this.step++;
    },
    dispose: () => bare.dispose(),
  };
}

function bareOptimizer(cfg: OptimizerConfig, decay: WeightDecay): BareOptimizer {
  if (cfg.type === 'sgd' && cfg.momentum > 0) {
    const momentum = new FusedMomentumOptimizer(cfg.lr, cfg.momentum, false, decay);
    return {
      optimizer: momentum,
      setLearningRate: (lr) => momentum.setLearningRate(lr),
      applyGradients: (grads) => momentum.applyGradients(grads),
      dispose: () => {
        momentum.dispose();
        // MomentumOptimizer.dispose (tfjs 4.22) frees its slots but not the lr scalar of its SGD base class.
        tf.SGDOptimizer.prototype.dispose.call(momentum);
      },
    };
  }
  const sgd = cfg.type === 'sgd' ? tf.train.sgd(cfg.lr) : undefined;
  const optimizer = sgd ?? tf.train.adam(cfg.lr);
  return {
    optimizer,
    setLearningRate: (lr) => {
      if (sgd) sgd.setLearningRate(lr);
      // AdamOptimizer reads its learningRate field on every step but has no setter.
      else (optimizer as unknown as { learningRate: number }).learningRate = lr;
    },
    applyGradients: (grads) => {
      const withDecay = addWeightDecay(grads, decay);
      try {
        (optimizer as tf.Optimizer).applyGradients(withDecay);
      } finally {
        tf.dispose(Object.keys(grads).filter((name) => withDecay[name] !== grads[name]).map((name) => withDecay[name]));
      }
    },
    dispose: () => optimizer.dispose(),
  };
}

/**
 * The variables that weight decay applies to: conv and dense kernels, i.e.
 * every trainable weight of rank >= 2. Batch-norm scale/shift and biases
 * (rank 1) are left undecayed, as is usual for residual networks (decaying BN
 * gamma only fights the normalisation).
 */
export function decayedVariables(variables: readonly tf.Variable[]): tf.Variable[] {
  return variables.filter((v) => v.rank >= 2);
}
