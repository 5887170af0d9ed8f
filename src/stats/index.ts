/** Statistics for claims decided from paired, repeated k-fold cross-validation. */
export { confidenceInterval, correctedSe, correctedTTest, pairedDifferences, pAbove, pBelow, tCritical } from './t-test';
export type { CorrectedTTest, FoldValue } from './t-test';
export { decide, MAX_REPEATS, repeatsToDecide, ruleLevel } from './claims';
export type { ClaimRule, Decision, Verdict } from './claims';
