export interface MeanStd {
  mean: number;
  std: number;
  /** How many values were finite (the ones the mean and std are over). */
  n: number;
}

/**
 * Mean and sample standard deviation (n − 1; 0 for a single value) of the finite
 * values; NaN and ±Infinity are skipped (a fold that measured nothing is missing,
 * not a number to average), and `n` says how many counted. undefined when none did.
 */
export function meanStd(values: readonly number[]): MeanStd | undefined {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: xs.length };
}
