/**
 * The one place each figure is defined: batch-1 latency of the
 * batch-norm-folded model, peak RSS (VmHWM), peak tensor bytes (ATen's count
 * on torch), training-step time and throughput; one model per fresh process;
 * the PyTorch baseline. `dresnet bench` and the suites' probe call it.
 */
/**
 * The version of the figures' definitions: a suite re-measures a model whose
 * stored figures were taken under another (2: batch-1 latency and inference
 * tensors of the batch-norm-folded model, ATen's tensor count, as bench).
 */
export const MEASURE_DEFINITIONS = 2;

export { measureModel, PLAN_RECORDING_STEPS } from './model';
export type { KernelProfile, Measurement, MeasureRequest } from './model';
export { measureInChild, measurePairedInChild } from './child';
export { blockRatio, speedClaim } from './paired';
export type { PairedBlock, PairedMeasurement, PairedRequest, SpeedClaim } from './paired';
export { peakRssBytes, peakTensorBytes, resetPeakRss, tensorCounter } from './memory';
export type { TensorCounter } from './memory';
export { median, timeRuns } from './timing';
export type { Timing } from './timing';
export { DEBIAN_PACKAGES, DEBIAN_PYTHON, installBaseline, missingPytorch, runPytorch } from './pytorch';
export type { ComparisonSetup, PytorchModel, PytorchRequest, PytorchResult } from './pytorch';
