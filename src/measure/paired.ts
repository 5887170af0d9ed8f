/**
 * Two models' training speed compared in one process, their steps
 * interleaved: blocks of steps alternate between the models in ABBA order,
 * so that the machine's drift (10–40% over minutes here) falls on both
 * alike and a slow drift cancels over each pair of blocks. Each block gives
 * one ratio; the claim "a trains at least `target` × b's images per second"
 * is decided by a t-test of the blocks' log ratios (src/stats), not by
 * comparing two medians taken a minute apart.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { correctedTTest, decide, Decision } from '../stats';
import { Batch, TrainStep } from '../train/step';
import type { MeasureRequest } from './model';
import { buildMeasured, passModeText, PLAN_RECORDING_STEPS, trainingBatch, trainingSetup } from './model';

export interface PairedRequest {
  /** The two models; they share a's runtime, input size, classes and batch (bench builds both from one set of flags). */
  a: MeasureRequest;
  b: MeasureRequest;
  /** Blocks of each model (at least 2). */
  blocks: number;
  /** Training steps in one block. */
  stepsPerBlock: number;
}

/** One block's wall time of each model's `stepsPerBlock` steps, and which ran first. */
export interface PairedBlock {
  aMs: number;
  bMs: number;
  aFirst: boolean;
}

export interface PairedMeasurement {
  blocks: PairedBlock[];
  stepsPerBlock: number;
  batchSize: number;
  aMacs: number;
  bMacs: number;
  /** How each model's gradient pass ran ('replaying', or eager and why). */
  aMode: string;
  bMode: string;
}

interface Trainer {
  step: () => void;
  macs: number;
  mode: () => string;
  dispose: () => void;
}

function trainer(req: MeasureRequest, batch: Batch): Trainer {
  const model = buildMeasured(req);
  const { optimizer, lossFn, macs } = trainingSetup(req, model);
  const step = new TrainStep(model, optimizer, lossFn, req.compile === true);
  return {
    step: () => { step.run(batch); },
    macs,
    mode: () => passModeText(step.mode(batch)),
    dispose: () => { step.dispose(); optimizer.dispose(); model.dispose(); },
  };
}

function timeSteps(t: Trainer, steps: number): number {
  const start = performance.now();
  for (let i = 0; i < steps; i++) t.step();
  return performance.now() - start;
}

/** Both models on one batch of the shared shape; recording and warm-up steps first, then the blocks. */
export async function measurePaired(req: PairedRequest): Promise<PairedMeasurement> {
  await selectBackend(req.a.runtime);
  const batch = trainingBatch(req.a);
  const a = trainer(req.a, batch);
  const b = trainer(req.b, batch);
  try {
    const untimed = PLAN_RECORDING_STEPS + req.a.train.timing.warmup;
    timeSteps(a, untimed);
    timeSteps(b, untimed);
    const blocks: PairedBlock[] = [];
    for (let i = 0; i < req.blocks; i++) {
      // ABBA: A first in blocks 0, 3, 4, 7, 8, ...
      const aFirst = (i + 1) % 4 < 2;
      const [first, second] = aFirst ? [a, b] : [b, a];
      const t1 = timeSteps(first, req.stepsPerBlock);
      const t2 = timeSteps(second, req.stepsPerBlock);
      blocks.push(aFirst ? { aMs: t1, bMs: t2, aFirst } : { aMs: t2, bMs: t1, aFirst });
    }
    return { blocks, stepsPerBlock: req.stepsPerBlock, batchSize: req.a.train.batchSize, aMacs: a.macs, bMacs: b.macs, aMode: a.mode(), bMode: b.mode() };
  } finally {
    a.dispose();
    b.dispose();
    tf.dispose([batch.x, batch.y]);
  }
}

/** A block's ratio of a's img/s to b's: b's time over a's for the same steps. */
export function blockRatio(k: PairedBlock): number {
  return k.bMs / k.aMs;
}

export interface SpeedClaim {
  /** a's img/s over b's: the geometric mean of the blocks' ratios, and its 95% CI. */
  ratio: number;
  ci: [number, number];
  /** The claim: ratio ≥ target. */
  target: number;
  decision: Decision;
  blocks: number;
}

/**
 * Decides "a's img/s ≥ target × b's" from the blocks: each block's
 * log(b time / a time) − log(target) is one difference, and the claim holds
 * when the 95% CI of their mean lies above 0 (the 'greater' rule of
 * src/stats, with no resampling correction: blocks share no training data).
 */
export function speedClaim(m: PairedMeasurement, target: number): SpeedClaim {
  if (m.blocks.length < 2) throw new RangeError(`a paired speed claim needs at least 2 blocks, got ${m.blocks.length}`);
  const logRatios = m.blocks.map((k) => Math.log(blockRatio(k)));
  const test = correctedTTest(logRatios.map((r) => r - Math.log(target)), 0);
  const decision = decide({ kind: 'greater' }, test, 1);
  const back = (d: number) => target * Math.exp(d);
  return {
    ratio: back(test.mean),
    ci: [back(decision.ci[0]), back(decision.ci[1])],
    target,
    decision,
    blocks: m.blocks.length,
  };
}
