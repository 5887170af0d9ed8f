/**
 * Several fold-runs on one GPU: how many fit on the card, from each run's
 * peak tensor memory (the training probe that `dresnet bench` and the suite's
 * memory columns report) plus what a process holds beyond its tensors.
 */
import { spawnSync } from 'node:child_process';
import { UserError } from '../util/errors';
import { resolveRunConfig, Suite } from './load';
import { SuitePorts } from './runner';

/** What a CUDA process holds before its first tensor (context, cuDNN/cuBLAS handles and workspaces), MiB. */
export const CUDA_CONTEXT_MIB = 600;
/** The caching allocator holds more than the live tensors (block rounding, fragmentation). */
export const ALLOCATOR_SLACK = 1.25;
/** The share of the free memory handed out, for the display, other processes and peaks the probe missed. */
export const USABLE_SHARE = 0.9;

const MIB = 2 ** 20;

export interface CardFit {
  /** Runs that fit at once (at least 1: one run is tried even when the estimate says it does not fit). */
  fit: number;
  /** Estimated memory of one run, MiB. */
  perRunMiB: number;
}

/** How many runs whose tensors peak at `peakTensorMB` (10^6 bytes) fit in `freeMiB`. */
export function runsThatFit(freeMiB: number, peakTensorMB: number): CardFit {
  const perRunMiB = (peakTensorMB * 1e6 / MIB) * ALLOCATOR_SLACK + CUDA_CONTEXT_MIB;
  return { fit: Math.max(1, Math.floor((freeMiB * USABLE_SHARE) / perRunMiB)), perRunMiB };
}

export interface CardMemory {
  name: string;
  freeMiB: number;
  totalMiB: number;
}

/** Parses `nvidia-smi --query-gpu=name,memory.free,memory.total --format=csv,noheader,nounits` (the first card listed). */
export function parseNvidiaSmi(output: string): CardMemory | undefined {
  const first = output.trim().split('\n')[0]?.split(',').map((f) => f.trim());
  if (!first || first.length < 3) return undefined;
  const [name, free, total] = first;
  const freeMiB = Number(free);
  const totalMiB = Number(total);
  return Number.isFinite(freeMiB) && Number.isFinite(totalMiB) ? { name, freeMiB, totalMiB } : undefined;
}

/** The first card nvidia-smi lists: the one a CUDA process uses by default. */
export function readCardMemory(): CardMemory {
  const res = spawnSync('nvidia-smi', ['--query-gpu=name,memory.free,memory.total', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  const card = res.status === 0 ? parseNvidiaSmi(res.stdout) : undefined;
  if (!card) throw new UserError('--device cuda: cannot read the card\'s free memory with nvidia-smi; pass --workers N to say how many runs to train at once');
  return card;
}

/** The number of local workers on the card, and the line that explains it. */
export function cardWorkers(card: CardMemory, peakTensorMB: number, runId: string, cap: { requested?: number; cores: number }): { workers: number; line: string } {
  const { fit, perRunMiB } = runsThatFit(card.freeMiB, peakTensorMB);
  // Each run keeps one host core busy launching kernels.
  const workers = Math.min(fit, cap.requested ?? cap.cores);
  const why = cap.requested !== undefined && cap.requested > fit ? ` (--workers ${cap.requested} would not fit)` : workers < fit ? ` (one per core: ${cap.cores})` : '';
  return {
    workers,
    line: `cuda: ${card.name}, ${Math.round(card.freeMiB)} of ${Math.round(card.totalMiB)} MiB free; the largest run (${runId}) peaks at ${Math.round(peakTensorMB)} MB `
      + `of tensors, about ${Math.round(perRunMiB)} MiB per process with the CUDA context: ${fit} run(s) fit; training ${workers} at once${why}`,
  };
}

/**
 * The run of `runIds` with the largest training peak, measured by the probe
 * (one fresh process per model, alone on the card) with the suite's sizing
 * head, an upper bound of the trained head.
 */
export async function largestTrainingPeak(suite: Suite, protocol: string, runIds: readonly string[], probe: SuitePorts['probe']): Promise<{ runId: string; peakTensorMB: number }> {
  let largest = { runId: runIds[0], peakTensorMB: 0 };
  for (const id of runIds) {
    const config = resolveRunConfig(suite, suite.runs.find((r) => r.id === id)!, protocol);
    const result = await probe({ model: config.model, numClasses: suite.sizing.classes, inputSize: config.data.inputSize, train: config.train, runtime: config.runtime });
    if (result.peak_tensor_train_mb > largest.peakTensorMB) largest = { runId: id, peakTensorMB: result.peak_tensor_train_mb };
  }
  return largest;
}
