/**
 * The figures the paper printed (J. Med. Syst. 2019, Tables 3 and 4 and the
 * Discussion), transcribed once so that every table shows them beside ours.
 * These are the paper's numbers, not results of this program.
 */

/** Table 3: model size vs accuracy on the authors' (non-public) cervical cell set. */
export interface PaperTable3Row {
  sizeMB: number;
  /** Size relative to ResNet-50, %; undefined where the paper prints "–". */
  compressionPct?: number;
  accuracyPct: number;
  /** The paper's "Error/%" column (accuracy difference to ResNet-50), as printed. */
  errorPct?: number;
}

export const PAPER_TABLE3: Readonly<Record<string, PaperTable3Row>> = {
  'ResNet-50': { sizeMB: 98.5, accuracyPct: 95.4 },
  DResNet: { sizeMB: 11.2, compressionPct: 10.4, accuracyPct: 93.6, errorPct: -0.9 },
  'ResNet-50@.5': { sizeMB: 65.7, compressionPct: 65.9, accuracyPct: 94.6, errorPct: -0.7 },
  'DResNet@.5': { sizeMB: 7.4, compressionPct: 7.9, accuracyPct: 93.3, errorPct: -2.1 },
  'ResNet-50@.25': { sizeMB: 17.4, compressionPct: 18.1, accuracyPct: 93.1, errorPct: -1.9 },
  'DResNet@.25': { sizeMB: 1.7, compressionPct: 2.0, accuracyPct: 89.9, errorPct: -5.1 },
};

/** Table 4: lightweight networks compared. */
export interface PaperTable4Row {
  sizeMB: number;
  top1Pct: number;
  top5Pct: number;
}

export const PAPER_TABLE4: Readonly<Record<string, PaperTable4Row>> = {
  'ResNet-18': { sizeMB: 44.5, top1Pct: 75.4, top5Pct: 92.3 },
  'ShuffleNet@1 g3': { sizeMB: 7.2, top1Pct: 69.6, top5Pct: 90.1 },
  MobileNet: { sizeMB: 16.7, top1Pct: 70.6, top5Pct: 92.8 },
  'MobileNet v2': { sizeMB: 17.4, top1Pct: 73.3, top5Pct: 93.7 },
  DResNet: { sizeMB: 10.7, top1Pct: 71.9, top5Pct: 93.5 },
};

/**
 * Discussion: the accuracy change of each design step, in percentage points,
 * where the paper gives a number. Depthwise-separable convolution "lowers"
 * accuracy and SE "greatly" improves it, with no figure printed.
 */
export interface PaperAblationStep {
  deltaPct?: number;
  claim: string;
}

export const PAPER_ABLATION: Readonly<Record<string, PaperAblationStep>> = {
  baseline: { claim: 'standard 3x3 ResNet-like block (reference)' },
  separable: { claim: 'depthwise-separable 3x3 alone lowers accuracy' },
  grouped: { claim: 'grouped 1x1 convolutions (no figure printed)' },
  multiScale: { deltaPct: 0.8, claim: 'multi-scale squeeze-expand: +0.8%' },
  se: { claim: 'SE channel weighting improves accuracy "greatly"' },
  focal: { deltaPct: 1.7, claim: 'focal loss: +1.7%' },
};

/** Running-phase memory of DResNet, and the paper's "85% less than ResNet". */
export const PAPER_MEMORY = { dresnetMB: 533, reductionVsResNetPct: 85 } as const;

export type PaperTableId = 'table3' | 'table4' | 'ablation';

/** A suite's table: one of the paper's, or `custom` (any dataset: no paper columns, the suite's own claims). */
export type TableLayout = PaperTableId | 'custom';

/** The paper's row keys for each table, so a suite can be checked against them (none for a custom table). */
export const PAPER_ROW_KEYS: Readonly<Record<TableLayout, readonly string[]>> = {
  table3: Object.keys(PAPER_TABLE3),
  table4: Object.keys(PAPER_TABLE4),
  ablation: Object.keys(PAPER_ABLATION),
  custom: [],
};
