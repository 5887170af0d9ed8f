/**
 * The corrected resampled t-test and the claim rules, against figures computed
 * outside the project: SciPy 1.17.1 (scipy.stats.t), on the vectors below,
 * with the correction written out by hand:
 *
 *   d = np.array(v); n = len(d); m = d.mean(); sd = d.std(ddof=1)
 *   se = sd * np.sqrt(1/n + 0.25); t = m / se; p = 2 * stats.t.sf(abs(t), n - 1)
 *   ci95 = m ± stats.t.ppf(0.975, n - 1) * se;  ci90 = m ± stats.t.ppf(0.95, n - 1) * se
 *   TOST p (margin 1) = max(stats.t.sf((m + 1) / se, n - 1), stats.t.cdf((m - 1) / se, n - 1))
 *   repeats: the first R with stats.t.ppf(0.975, 5R - 1) * sd * np.sqrt(1/(5R) + 0.25) < |m|
 *
 * 0.25 = n_test / n_train of a 5-fold split.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { confidenceInterval, correctedTTest, decide, pairedDifferences } from '../src/stats';

const A = [3.1, 4.2, 1.5, 5.0, 2.2, 3.8, 0.9, 4.4, 2.7, 3.6];
const B = [1.2, -0.8, 2.5, 0.3, -1.9, 1.1, 0.6, -0.4, 2.0, 0.9];
const EQUIVALENT = [0.2, -0.3, 0.1, 0.4, -0.1, 0.0, 0.3, -0.2, 0.1, 0.2];
const C = [2.5, -0.5, 4.0, 1.0, 3.5, 0.2, 4.1, 2.2, -0.3, 3.3];
const RHO = 0.25;

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
}

test('corrected t statistic, p-value and 95% CI equal SciPy on two difference vectors', () => {
  const a = correctedTTest(A, RHO);
  close(a.mean, 3.14);
  close(a.sd, 1.31672995628);
  close(a.se, 0.778987947418);
  close(a.t, 4.03087109423);
  close(a.p, 0.00296907974276, 1e-8);
  assert.equal(a.df, 9);
  const [lo, hi] = confidenceInterval(a, 0.95);
  close(lo, 1.37780683502);
  close(hi, 4.90219316498);
  const b = correctedTTest(B, RHO);
  close(b.t, 0.707382902785);
  close(b.p, 0.49723551195, 1e-8);
  const [blo, bhi] = confidenceInterval(b, 0.95);
  close(blo, -1.20885851162);
  close(bhi, 2.30885851162);
});

test('a directional claim holds only when the 95% CI excludes 0', () => {
  assert.equal(decide({ kind: 'greater' }, correctedTTest(A, RHO), 5).verdict, 'holds');
  assert.equal(decide({ kind: 'less' }, correctedTTest(A, RHO), 5).verdict, 'contradicted');
  assert.equal(decide({ kind: 'greater' }, correctedTTest(B, RHO), 5).verdict, 'inconclusive');
});

test('TOST: an equivalence that holds (90% CI inside ±1) and one that is inconclusive', () => {
  const held = decide({ kind: 'equivalent', margin: 1 }, correctedTTest(EQUIVALENT, RHO), 5);
  assert.equal(held.verdict, 'holds');
  close(held.ci[0], -0.17006081908424187);
  close(held.ci[1], 0.3100608190842418);
  close(held.p, 2.828775366172658e-5, 1e-7);
  const open = decide({ kind: 'equivalent', margin: 1 }, correctedTTest(B, RHO), 5);
  assert.equal(open.verdict, 'inconclusive');
  close(open.ci[0], -0.8752706829514927);
  close(open.ci[1], 1.9752706829514928);
  close(open.p, 0.2884705327539391, 1e-8);
});

test('non-inferiority reads the one-sided bound against the margin', () => {
  assert.equal(decide({ kind: 'noninferior', margin: 1 }, correctedTTest(B, RHO), 5).verdict, 'holds');
  assert.equal(decide({ kind: 'noninferior', margin: 1 }, correctedTTest(A.map((x) => -x), RHO), 5).verdict, 'contradicted');
});

test('an identical pair of runs differs by 0 and a directional claim on it is inconclusive, never holds', () => {
  const folds = A.map((value, i) => ({ repeat: Math.floor(i / 5), fold: i % 5, value }));
  const diffs = pairedDifferences(folds, folds);
  assert.deepEqual(diffs, A.map(() => 0));
  const t = correctedTTest(diffs, RHO);
  assert.equal(t.mean, 0);
  assert.equal(t.p, 1);
  const d = decide({ kind: 'greater' }, t, 5);
  assert.equal(d.verdict, 'inconclusive');
  assert.equal(d.repeatsToDecide, undefined, 'no number of repeats decides a difference of 0');
});

test('repeats to decide: the first R whose interval around the observed mean excludes 0 (SciPy: 5), none below the correction floor', () => {
  const c = decide({ kind: 'greater' }, correctedTTest(C, RHO), 5);
  assert.equal(c.verdict, 'inconclusive');
  assert.equal(c.repeatsToDecide, 5);
  // B: mean 0.55, sd 1.31; the corrected SE never falls below sd·sqrt(0.25) = 0.66, so 1.96·0.66 > 0.55 is never beaten.
  assert.equal(decide({ kind: 'greater' }, correctedTTest(B, RHO), 5).repeatsToDecide, undefined);
});

test('paired differences match fold-runs on (repeat, fold) whatever their order, and drop unmatched ones', () => {
  const a = [{ repeat: 1, fold: 0, value: 5 }, { repeat: 0, fold: 1, value: 3 }, { repeat: 0, fold: 0, value: 2 }];
  const b = [{ repeat: 0, fold: 0, value: 1 }, { repeat: 1, fold: 0, value: 1 }, { repeat: 0, fold: 1, value: 4 }, { repeat: 2, fold: 0, value: 9 }];
  assert.deepEqual(pairedDifferences(a, b), [1, -1, 4]);
});
