/**
 * The corrected resampled t-test for repeated k-fold cross-validation
 * (Nadeau & Bengio 2003, "Inference for the generalization error";
 * Bouckaert & Frank 2004, "Evaluating the replicability of significance
 * tests for comparing learning algorithms"). The n = R·k fold differences of
 * two models trained on the same folds are not independent: every pair of
 * folds shares most of its training data. The plain paired t-test ignores
 * that and is far too confident; the correction inflates the variance of the
 * mean from s²/n to s²·(1/n + n_test/n_train), with n − 1 degrees of freedom.
 */
import tCdf = require('@stdlib/stats-base-dists-t-cdf');
import tQuantile = require('@stdlib/stats-base-dists-t-quantile');

/** One model's figure on one fold-run. */
export interface FoldValue {
  repeat: number;
  fold: number;
  value: number;
}

/** The differences a − b, matched on (repeat, fold); a fold-run one side lacks is left out of both. */
export function pairedDifferences(a: readonly FoldValue[], b: readonly FoldValue[]): number[] {
  const key = (v: FoldValue) => `${v.repeat}/${v.fold}`;
  const byKey = new Map(b.map((v) => [key(v), v.value]));
  return a
    .filter((v) => byKey.has(key(v)))
    .sort((x, y) => x.repeat - y.repeat || x.fold - y.fold)
    .map((v) => v.value - byKey.get(key(v))!);
}

export interface CorrectedTTest {
  /** Number of paired fold-runs. */
  n: number;
  mean: number;
  /** Sample standard deviation of the differences (n − 1). */
  sd: number;
  /** The corrected standard error: sd · sqrt(1/n + testTrainRatio). */
  se: number;
  df: number;
  /** mean / se; 0 when every difference is 0. */
  t: number;
  /** Two-sided p-value of mean = 0. */
  p: number;
  testTrainRatio: number;
}

/**
 * The corrected t statistic of paired differences. testTrainRatio is
 * n_test / n_train of one fold (1/(k − 1) for k equal folds). Needs n ≥ 2.
 */
export function correctedTTest(differences: readonly number[], testTrainRatio: number): CorrectedTTest {
  const n = differences.length;
  if (n < 2) throw new RangeError(`the corrected t-test needs at least 2 paired fold-runs, got ${n}`);
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const sd = Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  const se = correctedSe(sd, n, testTrainRatio);
  const df = n - 1;
  const t = se === 0 ? (mean === 0 ? 0 : Math.sign(mean) * Infinity) : mean / se;
  return { n, mean, sd, se, df, t, p: 2 * (1 - tCdf(Math.abs(t), df)), testTrainRatio };
}

export function correctedSe(sd: number, n: number, testTrainRatio: number): number {
  return sd * Math.sqrt(1 / n + testTrainRatio);
}

/** The two-sided `level` confidence interval of the mean difference (0.95: the 95% CI). */
export function confidenceInterval(test: CorrectedTTest, level: number): [number, number] {
  const half = tQuantile(1 - (1 - level) / 2, test.df) * test.se;
  return [test.mean - half, test.mean + half];
}

/** One-sided p-value of H0: mean ≤ bound (small when the mean is clearly above the bound). */
export function pAbove(test: CorrectedTTest, bound: number): number {
  return 1 - tCdf(standardised(test, bound), test.df);
}

/** One-sided p-value of H0: mean ≥ bound. */
export function pBelow(test: CorrectedTTest, bound: number): number {
  return tCdf(standardised(test, bound), test.df);
}

function standardised(test: CorrectedTTest, bound: number): number {
  const gap = test.mean - bound;
  return test.se === 0 ? (gap === 0 ? 0 : Math.sign(gap) * Infinity) : gap / test.se;
}

/** The t quantile, exported so that planning uses the same distribution as the test. */
export function tCritical(level: number, df: number): number {
  return tQuantile(1 - (1 - level) / 2, df);
}
