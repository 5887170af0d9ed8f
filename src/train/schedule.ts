import type { TrainConfig } from '../config/run-config';

export type ScheduleConfig = TrainConfig['schedule'];

/**
 * Milestones below 1 are fractions of the run, the others epoch numbers
 * (Table 2's "multistep" policy scaled to the dataset: the paper's 450,000
 * iterations belong to a dataset we do not have).
 */
export function milestoneEpochs(milestones: readonly number[], epochs: number): number[] {
  return milestones.map((m) => (m < 1 ? Math.round(m * epochs) : m)).sort((a, b) => a - b);
}

/**
 * The learning rate of optimisation step `step` (0-based), a pure function of
 * the step so that a resumed run picks up the same rate.
 * - warm-up: linear from base/warmupSteps to base over the first warmupEpochs;
 * - multistep: base * gamma^(milestones passed), changing at epoch boundaries
 *   (as PyTorch's MultiStepLR with epoch milestones);
 * - cosine: per step from base to 0 over the steps after warm-up;
 * - constant.
 */
export function learningRateAt(
  step: number,
  stepsPerEpoch: number,
  epochs: number,
  baseLr: number,
  cfg: ScheduleConfig,
): number {
  const warmupSteps = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  switch (cfg.type) {
    case 'constant':
      return baseLr;
    case 'multistep': {
      const epoch = Math.floor(step / stepsPerEpoch);
      const passed = milestoneEpochs(cfg.milestones, epochs).filter((m) => m <= epoch).length;
      return baseLr * cfg.gamma ** passed;
    }
    case 'cosine': {
      const total = Math.max(1, epochs * stepsPerEpoch - warmupSteps);
      const t = Math.min(1, (step - warmupSteps) / total);
      return 0.5 * baseLr * (1 + Math.cos(Math.PI * t));
    }
  }
}
