/**
 * The paper's claims, checked against our table rows: each claim names the
 * figures it compares, states the rule that decides it, and says "holds",
 * "does not hold" or "not measured yet". A difference smaller than the fold
 * standard deviation is flagged, so a verdict is never read as stronger than
 * the runs allow.
 */
import { CsvRow, CsvValue } from './csv';
import { PAPER_MEMORY } from './paper';
import { PaperTableId } from './paper';

export interface ClaimCheck {
  claim: string;
  paper: string;
  ours: string;
  verdict: 'holds' | 'does not hold' | 'not measured yet';
  note?: string;
}

type Rows = readonly CsvRow[];

function num(v: CsvValue): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

function byPaper(rows: Rows, key: string): CsvRow | undefined {
  return rows.find((r) => r.paper === key);
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

/** A directional claim about a difference `a − b` of two rows' mean top-1. */
function difference(rows: Rows, claim: string, paper: string, a: string, b: string, column: string, stdColumn: string, holds: (d: number) => boolean): ClaimCheck {
  const [ra, rb] = [byPaper(rows, a), byPaper(rows, b)];
  const [ma, mb] = [num(ra?.[column]), num(rb?.[column])];
  if (ma === undefined || mb === undefined) return { claim, paper, ours: '–', verdict: 'not measured yet' };
  const d = ma - mb;
  const spread = Math.max(num(ra?.[stdColumn]) ?? 0, num(rb?.[stdColumn]) ?? 0);
  return {
    claim,
    paper,
    ours: `${fmt(ma)} − ${fmt(mb)} = ${d >= 0 ? '+' : ''}${fmt(d)} pp`,
    verdict: holds(d) ? 'holds' : 'does not hold',
    note: Math.abs(d) < spread ? `the difference is within one fold std (${fmt(spread)} pp)` : undefined,
  };
}

function sizeRatio(rows: Rows): ClaimCheck {
  const [d, r] = [byPaper(rows, 'DResNet'), byPaper(rows, 'ResNet-50')];
  const ratio = (num(d?.size_mb) ?? NaN) / (num(r?.size_mb) ?? NaN);
  return {
    claim: 'DResNet is about 1/10 of ResNet-50 in size',
    paper: '11.2 / 98.5 MB',
    ours: `${fmt(num(d?.size_mb) ?? NaN)} / ${fmt(num(r?.size_mb) ?? NaN)} MB = ${fmt(ratio * 100)}%`,
    verdict: Number.isFinite(ratio) ? (ratio <= 0.15 ? 'holds' : 'does not hold') : 'not measured yet',
    note: 'rule: at most 15% of ResNet-50',
  };
}

function memory(rows: Rows): ClaimCheck {
  const [d, r] = [byPaper(rows, 'DResNet'), byPaper(rows, 'ResNet-50')];
  const [md, mr] = [num(d?.peak_rss_infer_mb), num(r?.peak_rss_infer_mb)];
  const paper = `${PAPER_MEMORY.dresnetMB} MB, ${PAPER_MEMORY.reductionVsResNetPct}% less than ResNet`;
  if (md === undefined || mr === undefined) return { claim: 'DResNet needs far less running memory than ResNet-50', paper, ours: '–', verdict: 'not measured yet' };
  const less = (1 - md / mr) * 100;
  return {
    claim: 'DResNet needs far less running memory than ResNet-50',
    paper,
    ours: `peak RSS at batch-1 inference ${fmt(md, 0)} vs ${fmt(mr, 0)} MB: ${fmt(less)}% less`,
    verdict: less >= PAPER_MEMORY.reductionVsResNetPct ? 'holds' : 'does not hold',
    note: `rule: at least ${PAPER_MEMORY.reductionVsResNetPct}% less; process RSS includes the Node/tfjs runtime, which the model does not shrink`,
  };
}

function ablationStep(rows: Rows, key: string, claim: string, paper: string, holds: (d: number) => boolean): ClaimCheck {
  const i = rows.findIndex((r) => r.paper === key);
  if (i <= 0) return { claim, paper, ours: '–', verdict: 'not measured yet' };
  const prev = rows[i - 1].paper;
  return difference(rows, claim, paper, key, String(prev), 'top1_pct', 'top1_std', holds);
}

export function checkClaims(layout: PaperTableId, rows: Rows): ClaimCheck[] {
  switch (layout) {
    case 'table3':
      return [
        sizeRatio(rows),
        difference(rows, 'DResNet is within about 1 pp of ResNet-50 in accuracy', '93.6 vs 95.4 (−0.9 as printed)', 'DResNet', 'ResNet-50', 'accuracy_pct', 'accuracy_std', (d) => d >= -1),
        difference(rows, 'DResNet@.5 loses little against DResNet', '93.3 vs 93.6', 'DResNet@.5', 'DResNet', 'accuracy_pct', 'accuracy_std', (d) => d >= -1),
        difference(rows, 'DResNet@.25 still works, a few pp below DResNet', '89.9 vs 93.6', 'DResNet@.25', 'DResNet', 'accuracy_pct', 'accuracy_std', (d) => d >= -5),
        memory(rows),
      ];
    case 'table4':
      return [
        difference(rows, 'DResNet is slightly more accurate than MobileNet v1', '71.9 vs 70.6', 'DResNet', 'MobileNet', 'top1_pct', 'top1_std', (d) => d > 0),
        difference(rows, 'DResNet approximates MobileNet v2 (within 0.1 pp in the paper; rule here: within 1 pp)', '71.9 vs 73.3', 'DResNet', 'MobileNet v2', 'top1_pct', 'top1_std', (d) => Math.abs(d) <= 1),
        difference(rows, 'DResNet is more accurate than ShuffleNet', '71.9 vs 69.6', 'DResNet', 'ShuffleNet@1 g3', 'top1_pct', 'top1_std', (d) => d > 0),
        difference(rows, 'ResNet-18 is the most accurate of the five', '75.4 vs 71.9 (DResNet)', 'ResNet-18', 'DResNet', 'top1_pct', 'top1_std', (d) => d > 0),
      ];
    case 'ablation':
      return [
        ablationStep(rows, 'separable', 'depthwise-separable 3x3 alone lowers accuracy', 'lower (no figure)', (d) => d < 0),
        ablationStep(rows, 'multiScale', 'multi-scale squeeze-expand improves accuracy', '+0.8 pp', (d) => d > 0),
        ablationStep(rows, 'se', 'SE channel weighting improves accuracy "greatly"', 'higher (no figure)', (d) => d > 0),
        ablationStep(rows, 'focal', 'focal loss improves accuracy', '+1.7 pp', (d) => d > 0),
      ];
  }
}

export function claimsMarkdown(checks: readonly ClaimCheck[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(['Claim of the paper', 'Paper', 'Ours', 'Verdict']),
    line(['---', '---', '---', '---']),
    ...checks.map((c) => line([c.claim, c.paper, c.ours, c.note ? `${c.verdict} (${c.note})` : c.verdict])),
  ].join('\n');
}
