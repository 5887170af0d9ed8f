/**
 * Deciding a claim about two models from their paired fold differences
 * (a − b, in percentage points): holds, contradicted, or inconclusive, with
 * the confidence interval that decided it, and for an inconclusive claim how
 * many repeats of the k-fold split would decide it.
 */
import { confidenceInterval, CorrectedTTest, correctedSe, pAbove, pBelow, tCritical } from './t-test';

export type Verdict = 'holds' | 'contradicted' | 'inconclusive';

/**
 * What a claim says of the difference d = a − b:
 * - greater: a is higher (holds when the 95% CI lies above 0, contradicted when below);
 * - less: a is lower (the mirror image);
 * - equivalent: |d| < margin (TOST: holds when the 90% CI lies inside ±margin,
 *   contradicted when it lies wholly outside);
 * - noninferior: d > −margin (holds when the 90% CI, i.e. the one-sided 95%
 *   bound, lies above −margin; contradicted when it lies wholly below).
 */
export type ClaimRule =
  | { kind: 'greater' }
  | { kind: 'less' }
  | { kind: 'equivalent'; margin: number }
  | { kind: 'noninferior'; margin: number };

export interface Decision {
  verdict: Verdict;
  /** The interval the verdict was read from, and its level (0.95 or 0.90). */
  ci: [number, number];
  level: number;
  /** The p-value of the claim's own test (two-sided for greater/less, TOST's larger one-sided p for equivalent, one-sided for noninferior). */
  p: number;
  /** For an inconclusive claim: repeats (of k folds each) that would decide a difference of the observed size at the observed spread; undefined when no number of repeats would (see repeatsToDecide). */
  repeatsToDecide?: number;
}

/** The interval level a rule is read at. */
export function ruleLevel(rule: ClaimRule): number {
  return rule.kind === 'greater' || rule.kind === 'less' ? 0.95 : 0.9;
}

/** The verdict of an interval [lo, hi] under a rule. */
function verdictOf(rule: ClaimRule, [lo, hi]: [number, number]): Verdict {
  switch (rule.kind) {
    case 'greater':
      return lo > 0 ? 'holds' : hi < 0 ? 'contradicted' : 'inconclusive';
    case 'less':
      return hi < 0 ? 'holds' : lo > 0 ? 'contradicted' : 'inconclusive';
    case 'equivalent':
      return lo > -rule.margin && hi < rule.margin ? 'holds' : lo > rule.margin || hi < -rule.margin ? 'contradicted' : 'inconclusive';
    case 'noninferior':
      return lo > -rule.margin ? 'holds' : hi < -rule.margin ? 'contradicted' : 'inconclusive';
  }
}

function claimP(rule: ClaimRule, test: CorrectedTTest): number {
  switch (rule.kind) {
    case 'greater':
    case 'less':
      return test.p;
    case 'equivalent':
      return Math.max(pAbove(test, -rule.margin), pBelow(test, rule.margin));
    case 'noninferior':
      return pAbove(test, -rule.margin);
  }
}

/** Repeats beyond this are not worth planning: the correction's floor has been reached long before. */
export const MAX_REPEATS = 1000;

/**
 * The fewest repeats R (n = R·k fold-runs) at which the interval around the
 * observed mean, with the observed standard deviation, would give a verdict
 * other than inconclusive. The corrected standard error sd·sqrt(1/n + ρ)
 * does not fall below sd·sqrt(ρ) however many repeats are run, so a
 * difference smaller than about 1.96·sd·sqrt(ρ) is never decided: undefined.
 */
export function repeatsToDecide(rule: ClaimRule, test: CorrectedTTest, foldsPerRepeat: number): number | undefined {
  const level = ruleLevel(rule);
  for (let repeats = Math.floor(test.n / foldsPerRepeat) + 1; repeats <= MAX_REPEATS; repeats++) {
    const n = repeats * foldsPerRepeat;
    const half = tCritical(level, n - 1) * correctedSe(test.sd, n, test.testTrainRatio);
    if (verdictOf(rule, [test.mean - half, test.mean + half]) !== 'inconclusive') return repeats;
  }
  return undefined;
}

/** The verdict of a claim on a corrected t-test of its paired differences. */
export function decide(rule: ClaimRule, test: CorrectedTTest, foldsPerRepeat: number): Decision {
  const level = ruleLevel(rule);
  const ci = confidenceInterval(test, level);
  const verdict = verdictOf(rule, ci);
  return {
    verdict,
    ci,
    level,
    p: claimP(rule, test),
    ...(verdict === 'inconclusive' ? { repeatsToDecide: repeatsToDecide(rule, test, foldsPerRepeat) } : {}),
  };
}
