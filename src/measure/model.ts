/**
 * The figures of one model, measured in this process: batch-1 inference of
 * its batch-norm-folded copy (latency, peak tensor bytes, peak RSS), then
 * training steps of the trainer's own step (step time, throughput, peak tensor
 * bytes, peak RSS). `dresnet bench` and the suites' probe both come here, in a
 * fresh process per model (see child.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BackendRequest, CompiledPass, PassMode, selectBackend } from '../backend';
import { KernelTime, timeKernels } from '../backend/kernel_times';
import { createModel, fuseBatchNorms, modelStats } from '../models';
import { applyPlanTo, PrunePlan } from '../prune';
import { LossConfig, LossFn, makeLoss } from '../train/losses';
import { decayedVariables, makeOptimizer, OptimizerConfig, ScheduledOptimizer } from '../train/optimizer';
import { Batch, trainStep, TrainStep } from '../train/step';
import { peakRssBytes, peakTensorBytes, resetPeakRss, TensorCounter, tensorCounter } from './memory';
import { median, Timing, timeRuns } from './timing';

export interface MeasureRequest {
  /** A zoo model and its createModel options (numClasses and inputSize come from below). */
  model: string;
  options: Record<string, unknown>;
  /** A pruning plan to apply to the model as built: a pruned run's own, smaller architecture. */
  plan?: PrunePlan;
  numClasses: number;
  inputSize: number;
  runtime: BackendRequest;
  /** Batch-1 forward passes of the folded model. */
  latency: Timing;
  train: {
    batchSize: number;
    optimizer: OptimizerConfig;
    loss: LossConfig;
    /** Warm-up steps, then one untimed step whose tensor peak is read, then the timed steps. */
    timing: Timing;
  };
  /** Also time each kernel over as many training steps again and keep the n slowest (0: no). */
  kernels?: number;
  /** Also time batch-1 inference and training steps through recorded plans (src/backend/compiled.ts), in the same process. */
  compile?: boolean;
}

/** Where a training step's host time goes (per step). */
export interface KernelProfile {
  top: KernelTime[];
  calls: number;
  kernelMs: number;
  stepMs: number;
}

/** One model's figures: bytes and milliseconds. */
export interface Measurement {
  /** Median wall time of a batch-1 forward pass of the batch-norm-folded model, reading the result included. */
  latencyMs: number;
  /**
   * With `compile`: the same pass replayed from a recorded plan, and how it
   * ran (replaying, or eager and why). The latency above stays eager's.
   */
  planLatencyMs?: number;
  planMode?: string;
  /** Peak tensor bytes during one such pass (the folded weights included). */
  inferPeakTensorBytes: number;
  /** The process's VmHWM over batch-1 inference of the folded model (reset after folding), before any training. */
  inferPeakRssBytes: number;
  /** Median wall time of a training step (the trainer's step: forward, loss, gradients, update). */
  trainStepMs: number;
  /** Images per second over the timed steps: batch × steps / their total time. */
  trainImgPerS: number;
  /** With `compile`: training img/s with the gradient pass replayed from a plan, timed after the eager steps, and how it ran. */
  planTrainImgPerS?: number;
  planTrainMode?: string;
  /** Peak tensor bytes during one steady-state training step (weights, optimiser slots, activations, gradients). */
  trainPeakTensorBytes: number;
  /** Multiply-accumulates of one image's forward pass through the trained model (src/models/stats.ts's convention). */
  macs: number;
  /** The process's VmHWM at the end: inference and training (the fold before them aside). */
  peakRssBytes: number;
  tensorCounter: TensorCounter;
  kernels?: KernelProfile;
}

type InferenceFigures = Pick<Measurement, 'latencyMs' | 'inferPeakTensorBytes' | 'inferPeakRssBytes' | 'planLatencyMs' | 'planMode'>;
type TrainingFigures = Pick<Measurement, 'trainStepMs' | 'trainImgPerS' | 'trainPeakTensorBytes' | 'macs' | 'kernels' | 'planTrainImgPerS' | 'planTrainMode'>;

/** The request's model as built (a pruned run's own architecture when it carries a plan). */
export function buildMeasured(req: MeasureRequest): tfl.LayersModel {
  const model = createModel(req.model, { ...req.options, numClasses: req.numClasses, inputSize: req.inputSize });
  if (req.plan === undefined) return model;
  try {
    return applyPlanTo(model, req.plan);
  } finally {
    model.dispose();
  }
}

/**
 * Batch-1 inference of the folded copy (batch norms folded into the
 * convolutions, as PyTorch's side folds them): the model it came from is
 * freed first and the RSS peak reset, so that the tensor peak holds one set
 * of weights and the RSS peak leaves out the moment both lived (what the
 * allocators kept from it still counts).
 */
async function measureInference(req: MeasureRequest): Promise<InferenceFigures> {
  const trained = buildMeasured(req);
  const folded = fuseBatchNorms(trained);
  trained.dispose();
  resetPeakRss();
  const x = tf.randomNormal([1, req.inputSize, req.inputSize, 3]);
  const pass = () => {
    const y = folded.predict(x) as tf.Tensor;
    // Reading the result waits for asynchronous backends: latency includes it.
    y.dataSync();
    y.dispose();
  };
  try {
    const latencyMs = median(timeRuns(pass, req.latency));
    const inferPeakTensorBytes = await peakTensorBytes(pass);
    const plan = req.compile ? planLatency(folded, x, req.latency) : {};
    return { latencyMs, inferPeakTensorBytes, inferPeakRssBytes: peakRssBytes(), ...plan };
  } finally {
    x.dispose();
    folded.dispose();
  }
}

/** 'eager: <why>', 'replaying', or with runtime.cudaGraphs 'replaying (graph: captured)' and the like. */
export function passModeText(mode: PassMode): string {
  if (mode.mode === 'eager') return `eager: ${mode.reason}`;
  return mode.mode === 'replaying' && mode.graph !== undefined ? `replaying (graph: ${mode.graph})` : mode.mode;
}

/** Batch-1 latency through a recorded plan: its first two (warm-up) passes record, the rest replay. */

function planLatency(folded: tfl.LayersModel, x: tf.Tensor, timing: Timing): Pick<Measurement, 'planLatencyMs' | 'planMode'> {
  const compiled = new CompiledPass(([input]) => [folded.predict(input) as tf.Tensor]);
  const pass = () => {
    const [y] = compiled.run([x]);
    y.dataSync();
    y.dispose();
  };
  try {
    const planLatencyMs = median(timeRuns(pass, timing));
    const mode = compiled.status([x]);
    return { planLatencyMs, planMode: passModeText(mode) };
  } finally {
    compiled.dispose();
  }
}

/** Untimed steps before a plan replays: a CompiledPass trusts a plan once two recordings agree (backend/compiled.ts). */
export const PLAN_RECORDING_STEPS = 2;

/** Training img/s with the gradient pass replayed from a plan: the recording steps and the warm-up, then the timed steps. */
function planTraining(compiled: TrainStep, batch: Batch, timing: Timing): Pick<Measurement, 'planTrainImgPerS' | 'planTrainMode'> {
  const step = () => { compiled.run(batch); };
  try {
    for (let i = 0; i < PLAN_RECORDING_STEPS + timing.warmup; i++) step();
    const times = timeRuns(step, { ...timing, warmup: 0 });
    const mode = compiled.mode(batch);
    return {
      planTrainImgPerS: (batch.y.shape[0] * times.length) / (times.reduce((a, b) => a + b, 0) / 1000),
      planTrainMode: passModeText(mode),
    };
  } finally {
    compiled.dispose();
  }
}

/** The request's optimiser and loss for `model`, and the model's MACs per image. */
export function trainingSetup(req: MeasureRequest, model: tfl.LayersModel): { optimizer: ScheduledOptimizer; lossFn: LossFn; macs: number } {
  const optimizer = makeOptimizer(req.train.optimizer, decayedVariables(model.trainableWeights.map((w) => w.read() as tf.Variable)));
  return { optimizer, lossFn: makeLoss(req.train.loss, req.numClasses), macs: modelStats(model).macs };
}

/** A random batch of the request's shape, labels cycling through the classes. */
export function trainingBatch(req: MeasureRequest): Batch {
  const n = req.train.batchSize;
  return {
    x: tf.randomNormal([n, req.inputSize, req.inputSize, 3]) as tf.Tensor4D,
    y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % req.numClasses), 'float32'),
  };
}

async function measureTraining(req: MeasureRequest): Promise<TrainingFigures> {
  const model = buildMeasured(req);
  const { batchSize: n, timing } = req.train;
  const { optimizer, lossFn, macs } = trainingSetup(req, model);
  const batch = trainingBatch(req);
  const step = () => { trainStep(model, optimizer, lossFn, batch); };
  try {
    for (let i = 0; i < timing.warmup; i++) step();
    // Untimed: the profiler's bookkeeping would count in the step time.
    const trainPeakTensorBytes = await peakTensorBytes(step);
    const times = timeRuns(step, { ...timing, warmup: 0 });
    const total = times.reduce((a, b) => a + b, 0);
    const figures = {
      trainStepMs: median(times), trainImgPerS: (n * times.length) / (total / 1000), trainPeakTensorBytes, macs,
    };
    const plan = req.compile ? planTraining(new TrainStep(model, optimizer, lossFn, true), batch, timing) : {};
    return req.kernels ? { ...figures, ...plan, kernels: kernelProfile(step, times.length, req.kernels) } : { ...figures, ...plan };
  } finally {
    tf.dispose([batch.x, batch.y]);
    optimizer.dispose();
    model.dispose();
  }
}

/** `steps` more training steps with each kernel's host time counted; the `top` slowest, per step. */
function kernelProfile(step: () => void, steps: number, top: number): KernelProfile {
  const times = timeKernels(tf.getBackend(), () => {
    for (let i = 0; i < steps; i++) step();
  });
  const perStep = (k: KernelTime): KernelTime => ({ kernel: k.kernel, calls: k.calls / steps, ms: k.ms / steps });
  const total = (key: 'calls' | 'ms') => times.kernels.reduce((sum, k) => sum + k[key], 0) / steps;
  return { top: times.kernels.slice(0, top).map(perStep), calls: total('calls'), kernelMs: total('ms'), stepMs: times.totalMs / steps };
}

/**
 * Measures one model in this process. Its peak RSS is the process's, so call
 * it in a fresh process per model (measureInChild): the allocators keep freed
 * memory, and an earlier model's high-water mark would stay.
 */
export async function measureModel(req: MeasureRequest): Promise<Measurement> {
  await selectBackend(req.runtime);
  // Inference first: its RSS is read before any training step allocates.
  const inference = await measureInference(req);
  const training = await measureTraining(req);
  return { ...inference, ...training, peakRssBytes: peakRssBytes(), tensorCounter: tensorCounter() };
}
