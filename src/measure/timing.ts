/** How a repeated measurement is timed: the median of the timed runs after untimed warm-up. */
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Untimed runs first (V8 compiles the layers' JavaScript over the first ~20 passes; an optimiser makes its slots on its first step). */
  warmup: number;
  /** Timed runs, at least. */
  runs: number;
  /** With budgetMs: more timed runs, up to this many, while the timed runs have taken less than budgetMs. */
  maxRuns?: number;
  budgetMs?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of each timed run of `fn`, in ms, after the warm-up runs. */
export function timeRuns(fn: () => void, timing: Timing): number[] {
  for (let i = 0; i < timing.warmup; i++) fn();
  const runs = Math.max(1, timing.runs);
  const maxRuns = Math.max(runs, timing.maxRuns ?? runs);
  const times: number[] = [];
  let total = 0;
  while (times.length < runs || (times.length < maxRuns && total < (timing.budgetMs ?? 0))) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
    total += times[times.length - 1];
  }
  return times;
}
