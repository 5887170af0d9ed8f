/**
 * The paper's claims, checked against our runs. An accuracy claim compares
 * two models on the same fold-runs (paired differences of top-1) with the
 * corrected resampled t-test of src/stats, and says "holds", "contradicted"
 * or "inconclusive", with the interval that decided it; a claim about sizes
 * or memory compares measured figures against a stated rule. Each claim
 * carries its margin and the reason for it, so a verdict can be re-read.
 */
import { ClaimRule, correctedTTest, decide, FoldValue, pairedDifferences, Verdict } from '../stats';
import { CsvRow, CsvValue } from '../util/csv';
import { markdownTable } from './markdown';
import { PAPER_MEMORY, TableLayout } from './paper';

export interface ClaimCheck {
  claim: string;
  /** The rule, with its margin and the reason for it. */
  rule: string;
  paper: string;
  ours: string;
  verdict: Verdict | 'not measured yet';
  /** Set for claims decided from paired fold-runs. */
  stats?: ClaimStats;
  note?: string;
}

export interface ClaimStats {
  n: number;
  meanDiff: number;
  ci: [number, number];
  ciLevel: number;
  p: number;
  repeatsToDecide?: number;
}

type Rows = readonly CsvRow[];
type FoldRows = readonly Record<string, string>[];

/** How the claims read the fold-runs: which rows, and the split's n_test / n_train. */
export interface ClaimInputs {
  rows: Rows;
  folds: FoldRows;
  /** k of the k-fold split (the correction uses n_test / n_train = 1 / (k − 1)). */
  splitFolds: number;
}

function num(v: CsvValue): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);
const signed = (x: number, digits = 1): string => `${x >= 0 ? '+' : ''}${fmt(x, digits)}`;

/** A run's top-1 on each fold-run. */
function foldValues(inputs: ClaimInputs, id: string): FoldValue[] {
  return inputs.folds
    .filter((f) => f.run_id === id && f.top1_pct !== undefined && f.top1_pct !== '')
    .map((f) => ({ repeat: Number(f.repeat ?? 0) || 0, fold: Number(f.fold), value: Number(f.top1_pct) }));
}

function ruleText(rule: ClaimRule, reason: string): string {
  switch (rule.kind) {
    case 'greater':
      return `A − B > 0 (95% CI above 0)${reason ? `; ${reason}` : ''}`;
    case 'less':
      return `A − B < 0 (95% CI below 0)${reason ? `; ${reason}` : ''}`;
    case 'equivalent':
      return `−${rule.margin} < A − B < ${rule.margin} pp (TOST, 90% CI inside ±${rule.margin}): ${reason}`;
    case 'noninferior':
      return `A − B > −${rule.margin} pp (90% CI above −${rule.margin}): ${reason}`;
  }
}

interface AccuracyClaim {
  claim: string;
  paper: string;
  /** Run ids of A and B: the claim is about A − B. */
  a: string;
  b: string;
  rule: ClaimRule;
  /** Why this margin (or why this direction). */
  reason: string;
}

/** A paper's claim names its models by the paper's row keys; the runs reproducing those rows stand in for them. */
function byPaperRows(inputs: ClaimInputs, c: AccuracyClaim): AccuracyClaim {
  const idOf = (key: string) => String(inputs.rows.find((r) => r.paper === key)?.id ?? `(no run reproduces ${key})`);
  return { ...c, a: idOf(c.a), b: idOf(c.b) };
}

/** An accuracy claim decided on the paired fold-runs of A and B. */
function accuracy(inputs: ClaimInputs, c: AccuracyClaim): ClaimCheck {
  const rule = ruleText(c.rule, c.reason);
  const diffs = pairedDifferences(foldValues(inputs, c.a), foldValues(inputs, c.b));
  if (diffs.length < 2) return { claim: c.claim, rule, paper: c.paper, ours: '–', verdict: 'not measured yet' };
  const test = correctedTTest(diffs, 1 / (inputs.splitFolds - 1));
  const decision = decide(c.rule, test, inputs.splitFolds);
  const stats: ClaimStats = { n: test.n, meanDiff: test.mean, ci: decision.ci, ciLevel: decision.level, p: decision.p, repeatsToDecide: decision.repeatsToDecide };
  return {
    claim: c.claim,
    rule,
    paper: c.paper,
    ours: `${signed(test.mean, 2)} pp over ${test.n} paired fold-runs`,
    verdict: decision.verdict,
    stats,
    note: decision.verdict === 'inconclusive' ? repeatsNote(decision.repeatsToDecide, inputs.splitFolds) : undefined,
  };
}

function repeatsNote(repeats: number | undefined, k: number): string {
  return repeats === undefined
    ? `no number of repeats decides a difference this small at this spread (the corrected SE never falls below sd·√(1/${k - 1}))`
    : `about ${repeats} repeats of the ${k}-fold split would decide a difference of this size at this spread`;
}

function sizeRatio(rows: Rows): ClaimCheck {
  const [d, r] = [rows.find((x) => x.paper === 'DResNet'), rows.find((x) => x.paper === 'ResNet-50')];
  const ratio = (num(d?.size_mb) ?? NaN) / (num(r?.size_mb) ?? NaN);
  return {
    claim: 'DResNet is about 1/10 of ResNet-50 in size',
    rule: 'at most 15% of ResNet-50 (measured from the built models, no fold noise)',
    paper: '11.2 / 98.5 MB',
    ours: `${fmt(num(d?.size_mb) ?? NaN)} / ${fmt(num(r?.size_mb) ?? NaN)} MB = ${fmt(ratio * 100)}%`,
    verdict: Number.isFinite(ratio) ? (ratio <= 0.15 ? 'holds' : 'contradicted') : 'not measured yet',
  };
}

function memory(rows: Rows): ClaimCheck {
  const [d, r] = [rows.find((x) => x.paper === 'DResNet'), rows.find((x) => x.paper === 'ResNet-50')];
  const [md, mr] = [num(d?.peak_rss_infer_mb), num(r?.peak_rss_infer_mb)];
  const claim = 'DResNet needs far less running memory than ResNet-50';
  const rule = `at least ${PAPER_MEMORY.reductionVsResNetPct}% less peak RSS at batch-1 inference (one measurement per model; process RSS includes the Node/tfjs runtime, which the model does not shrink)`;
  const paper = `${PAPER_MEMORY.dresnetMB} MB, ${PAPER_MEMORY.reductionVsResNetPct}% less than ResNet`;
  if (md === undefined || mr === undefined) return { claim, rule, paper, ours: '–', verdict: 'not measured yet' };
  const less = (1 - md / mr) * 100;
  return {
    claim, rule, paper,
    ours: `${fmt(md, 0)} vs ${fmt(mr, 0)} MB: ${fmt(less)}% less`,
    verdict: less >= PAPER_MEMORY.reductionVsResNetPct ? 'holds' : 'contradicted',
  };
}

/** The previous step's paper key in an ablation suite (its rows are in step order). */
function previousStep(rows: Rows, key: string): string | undefined {
  const i = rows.findIndex((r) => r.paper === key);
  return i > 0 ? String(rows[i - 1].paper) : undefined;
}

function ablationStep(inputs: ClaimInputs, key: string, claim: string, paper: string, rule: ClaimRule, reason: string): ClaimCheck {
  const previous = previousStep(inputs.rows, key);
  if (previous === undefined) return { claim, rule: ruleText(rule, reason), paper, ours: '–', verdict: 'not measured yet' };
  return accuracy(inputs, byPaperRows(inputs, { claim, paper, a: key, b: previous, rule, reason }));
}

/** A claim a suite file makes about two of its runs. */
export interface OwnClaim {
  claim: string;
  a: string;
  b: string;
  rule: ClaimRule['kind'];
  margin?: number;
  reason?: string;
}

function ownRule(c: OwnClaim): ClaimRule {
  return c.rule === 'equivalent' || c.rule === 'noninferior' ? { kind: c.rule, margin: c.margin ?? 0 } : { kind: c.rule };
}

/** The paper's claims for one table layout (none for a custom table), then the suite's own. */
export function checkClaims(layout: TableLayout, inputs: ClaimInputs, own: readonly OwnClaim[] = []): ClaimCheck[] {
  return [
    ...paperClaims(layout, inputs),
    ...own.map((c) => accuracy(inputs, { claim: c.claim, paper: '–', a: c.a, b: c.b, rule: ownRule(c), reason: c.reason ?? "the suite's own claim" })),
  ];
}

function paperClaims(layout: TableLayout, inputs: ClaimInputs): ClaimCheck[] {
  const acc = (c: AccuracyClaim) => accuracy(inputs, byPaperRows(inputs, c));
  switch (layout) {
    case 'custom':
      return [];
    case 'table3':
      return [
        sizeRatio(inputs.rows),
        acc({
          claim: 'DResNet is at most about 1 pp less accurate than ResNet-50', paper: '93.6 vs 95.4 (−0.9 as printed)', a: 'DResNet', b: 'ResNet-50',
          rule: { kind: 'noninferior', margin: 2 }, reason: "the paper's own gap, 95.4 − 93.6 = 1.8 pp, rounded up",
        }),
        acc({
          claim: 'ResNet-50@.5 keeps its accuracy', paper: '94.6 vs 95.4', a: 'ResNet-50@.5', b: 'ResNet-50',
          rule: { kind: 'noninferior', margin: 1 }, reason: "the paper's own loss of 0.8 pp, rounded up",
        }),
        acc({
          claim: 'DResNet@.5 loses little against DResNet', paper: '93.3 vs 93.6', a: 'DResNet@.5', b: 'DResNet',
          rule: { kind: 'noninferior', margin: 1 }, reason: "the paper's own loss of 0.3 pp, with room for 'little'",
        }),
        acc({
          claim: 'DResNet@.25 still works, a few pp below DResNet', paper: '89.9 vs 93.6', a: 'DResNet@.25', b: 'DResNet',
          rule: { kind: 'noninferior', margin: 5 }, reason: "the paper's own loss of 3.7 pp, rounded up",
        }),
        memory(inputs.rows),
      ];
    case 'table4':
      return [
        acc({ claim: 'DResNet is slightly more accurate than MobileNet v1', paper: '71.9 vs 70.6', a: 'DResNet', b: 'MobileNet', rule: { kind: 'greater' }, reason: '' }),
        acc({
          claim: 'DResNet approximates MobileNet v2', paper: '71.9 vs 73.3', a: 'DResNet', b: 'MobileNet v2',
          rule: { kind: 'equivalent', margin: 1.5 }, reason: "the paper's own gap of 1.4 pp, which it calls approximating",
        }),
        acc({ claim: 'DResNet is more accurate than ShuffleNet', paper: '71.9 vs 69.6', a: 'DResNet', b: 'ShuffleNet@1 g3', rule: { kind: 'greater' }, reason: '' }),
        acc({
          claim: 'ResNet-18 is more accurate than DResNet (the most accurate of the five in the paper)', paper: '75.4 vs 71.9',
          a: 'ResNet-18', b: 'DResNet', rule: { kind: 'greater' }, reason: '',
        }),
      ];
    case 'ablation':
      return [
        ablationStep(inputs, 'separable', 'depthwise-separable 3x3 alone lowers accuracy', 'lower (no figure)', { kind: 'less' }, 'against the step before'),
        ablationStep(inputs, 'multiScale', 'multi-scale squeeze-expand improves accuracy', '+0.8 pp', { kind: 'greater' }, 'against the step before'),
        ablationStep(inputs, 'se', 'SE channel weighting improves accuracy "greatly"', 'higher (no figure)', { kind: 'greater' }, 'against the step before'),
        ablationStep(inputs, 'focal', 'focal loss improves accuracy', '+1.7 pp', { kind: 'greater' }, 'against the step before'),
      ];
  }
}

/** claims.csv: one row per claim, every figure of its decision. */
export const CLAIM_COLUMNS = ['claim', 'rule', 'paper', 'n', 'mean_diff_pp', 'ci_level', 'ci_low_pp', 'ci_high_pp', 'p', 'verdict', 'repeats_to_decide', 'ours'] as const;

export function claimCsvRow(c: ClaimCheck): CsvRow {
  const round = (x: number | undefined, d = 4) => (x === undefined ? undefined : Number(x.toFixed(d)));
  return {
    claim: c.claim, rule: c.rule, paper: c.paper, n: c.stats?.n, mean_diff_pp: round(c.stats?.meanDiff), ci_level: c.stats?.ciLevel,
    ci_low_pp: round(c.stats?.ci[0]), ci_high_pp: round(c.stats?.ci[1]), p: c.stats === undefined ? undefined : Number(c.stats.p.toPrecision(4)),
    verdict: c.verdict, repeats_to_decide: c.stats?.repeatsToDecide, ours: c.ours,
  };
}

function ciText(s: ClaimStats | undefined): string {
  return s === undefined ? '–' : `[${signed(s.ci[0], 2)}, ${signed(s.ci[1], 2)}] (${Math.round(s.ciLevel * 100)}%)`;
}

function pText(s: ClaimStats | undefined): string {
  return s === undefined ? '–' : s.p < 0.001 ? '< 0.001' : s.p.toFixed(3);
}

/** The claims as a markdown table; a table of a suite's own claims (no paper) has no paper column. */
export function claimsMarkdown(checks: readonly ClaimCheck[], withPaper = true): string {
  const keep = <T>(cells: readonly (T | false)[]): T[] => cells.filter((c): c is T => c !== false);
  return markdownTable(
    keep([withPaper ? 'Claim of the paper (A vs B)' : 'Claim (A vs B)', 'Rule (margin: why)', withPaper && 'Paper', 'Ours: A − B', 'CI', 'p', 'Verdict']),
    checks.map((c) => keep([c.claim, c.rule, withPaper && c.paper, c.ours, ciText(c.stats), pText(c.stats), c.note ? `${c.verdict} (${c.note})` : c.verdict])),
  );
}
