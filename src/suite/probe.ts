/**
 * Memory and latency of one suite run's model, by src/measure's definitions
 * (the same as `dresnet bench`'s) in a fresh process: the run's model, input,
 * batch size, optimiser, loss and runtime, figures in MB (10^6 bytes).
 */
import { measureInChild as measureModelInChild, Measurement, MeasureRequest, Timing } from '../measure';
import { modelOptionsFromConfig } from '../models';
import { ProbeRequest, ProbeResult } from './runner';

export { median } from '../measure';

const MB = 1e6;
/** Timing per measurement: warm-up, then at least 5 runs, more up to 30 while they have taken less than 5 s. */
const DEFAULT_TIMING = { warmup: 3, minRepeats: 5 };
const MAX_REPEATS = 30;
const BUDGET_MS = 5000;

/** What src/measure measures for a suite run (bench asks the same under its flags). */
export function probeRequest(req: ProbeRequest): MeasureRequest {
  const { warmup, minRepeats } = req.timing ?? DEFAULT_TIMING;
  const timing: Timing = { warmup, runs: minRepeats, maxRuns: MAX_REPEATS, budgetMs: BUDGET_MS };
  return {
    model: req.model.name,
    options: modelOptionsFromConfig(req.model, req.numClasses, req.inputSize),
    plan: req.plan,
    numClasses: req.numClasses,
    inputSize: req.inputSize,
    runtime: { backend: req.runtime.backend, device: req.runtime.device, threads: req.runtime.threads },
    latency: timing,
    // One warm-up step: the optimiser creates its slots on the first; the measured steps are steady-state ones.
    train: { batchSize: req.train.batchSize, optimizer: req.train.optimizer, loss: req.train.loss, timing: { ...timing, warmup: 1 } },
  };
}

export function probeResult(m: Measurement): ProbeResult {
  return {
    peak_rss_infer_mb: round(m.inferPeakRssBytes / MB),
    peak_rss_train_mb: round(m.peakRssBytes / MB),
    peak_tensor_infer_mb: round(m.inferPeakTensorBytes / MB),
    peak_tensor_train_mb: round(m.trainPeakTensorBytes / MB),
    latency_ms: round(m.latencyMs, 3),
    train_step_ms: round(m.trainStepMs, 1),
  };
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Measures one suite run's model in a fresh Node process. */
export async function measureInChild(req: ProbeRequest): Promise<ProbeResult> {
  return probeResult(await measureModelInChild(probeRequest(req)));
}
