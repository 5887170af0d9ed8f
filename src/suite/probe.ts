/**
 * Memory and latency of one model, measured in a fresh Node process so that
 * one model's allocations (and the allocator's high-water mark) never bleed
 * into another's figures. The parent spawns probe-child.js with the request
 * as JSON and reads the result as the last line of its stdout.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { createModel, modelOptionsFromConfig } from '../models';
import { makeLoss } from '../train/losses';
import { decayedVariables, makeOptimizer } from '../train/optimizer';
import { trainStep } from '../train/step';
import { peakRssBytes } from '../util/memory';
import { ProbeRequest, ProbeResult } from './runner';

const MB = 1e6;
/** Timing per measurement: warm-up, then at least minRepeats runs, stopping at MAX_REPEATS or after BUDGET_MS. */
const DEFAULT_TIMING = { warmup: 3, minRepeats: 5 };
const MAX_REPEATS = 30;
const BUDGET_MS = 5000;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Peak resident memory of this process image so far, MB. */
function peakRssMB(): number {
  return peakRssBytes() / MB;
}

/** Times `fn` after warm-up; returns the median in ms. */
function timeMedian(fn: () => void, timing: { warmup: number; minRepeats: number }): number {
  for (let i = 0; i < timing.warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < timing.minRepeats || (times.length < MAX_REPEATS && performance.now() - start < BUDGET_MS)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Peak bytes held by all tensors (weights included) while `fn` runs. */
async function peakTensorBytes(fn: () => void): Promise<number> {
  // tf.profile returns the engine's one live profile object: read it before the next profile overwrites it.
  const profile = await tf.profile(() => { fn(); });
  return profile.peakBytes;
}

/** Runs in the child: batch-1 inference first (its RSS peak is read before any training allocates), then training steps. */
export async function measureInProcess(req: ProbeRequest): Promise<ProbeResult> {
  await selectBackend(req.runtime);
  const model = createModel(req.model.name, modelOptionsFromConfig(req.model, req.numClasses, req.inputSize));
  const s = req.inputSize;

  const single = tf.randomUniform([1, s, s, 3]) as tf.Tensor4D;
  const infer = () => {
    const y = model.predict(single) as tf.Tensor;
    y.dataSync(); // wait for the backend: latency includes reading the result
    y.dispose();
  };
  const timing = req.timing ?? DEFAULT_TIMING;
  const latency = timeMedian(infer, timing);
  const inferPeakBytes = await peakTensorBytes(infer);
  const rssInfer = peakRssMB();

  const n = req.train.batchSize;
  const batch = { x: tf.randomUniform([n, s, s, 3]) as tf.Tensor4D, y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % req.numClasses), 'float32') };
  const optimizer = makeOptimizer(req.train.optimizer, decayedVariables(model.trainableWeights.map((w) => w.read() as tf.Variable)));
  const lossFn = makeLoss(req.train.loss, req.numClasses);
  const step = () => { trainStep(model, optimizer, lossFn, batch); };
  step(); // the optimiser creates its slots on the first step: measure a steady-state step
  const trainPeakBytes = await peakTensorBytes(step);
  const stepMs = timeMedian(step, { ...timing, warmup: 0 });
  return {
    peak_rss_infer_mb: round(rssInfer),
    peak_rss_train_mb: round(peakRssMB()),
    peak_tensor_infer_mb: round(inferPeakBytes / MB),
    peak_tensor_train_mb: round(trainPeakBytes / MB),
    latency_ms: round(latency, 3),
    train_step_ms: round(stepMs, 1),
  };
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Spawns a fresh Node process for one measurement. */
export function measureInChild(req: ProbeRequest): Promise<ProbeResult> {
  const script = path.join(__dirname, 'probe-child.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`memory/latency probe of ${req.model.name} failed (exit ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(last) as ProbeResult);
    });
  });
}
