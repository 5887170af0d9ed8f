/**
 * Validation metrics computed in plain JS from the gathered softmax outputs:
 * top-k, confusion matrix, per-class precision/recall/F1 and the clinical
 * abnormal-vs-normal view (sensitivity, specificity, ROC AUC).
 */
import { abnormalClasses } from '../data/roles';
import type { ClassRole } from '../data/types';

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClinicalMetrics {
  /** Recall of the abnormal group: abnormal cells called abnormal. */
  sensitivity: number;
  /** Recall of the normal group: normal cells called normal. */
  specificity: number;
  auc: number;
  abnormal: number;
  normal: number;
}

export interface EvalMetrics {
  n: number;
  top1: number;
  /** Only when there are more than 5 classes (otherwise it is trivially 1). */
  top5?: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted]. */
  confusion: number[][];
  clinical?: ClinicalMetrics;
}

/** Predictions as a row-major [n, k] matrix of class probabilities. */
export interface Predictions {
  probs: Float32Array;
  labels: ArrayLike<number>;
  numClasses: number;
}

/** The most probable class of each row of a row-major [n, k] probability matrix (the first, on a tie). */
export function argmaxRows(probs: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < probs.length / k; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    out.push(best);
  }
  return out;
}

/** Share of samples whose label is among the k highest probabilities (ties count against). */
export function topKAccuracy(p: Predictions, k: number): number {
  const { probs, labels, numClasses } = p;
  if (labels.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const own = probs[i * numClasses + labels[i]];
    let higher = 0;
    for (let c = 0; c < numClasses; c++) if (c !== labels[i] && probs[i * numClasses + c] >= own) higher++;
    if (higher < k) hits++;
  }
  return hits / labels.length;
}

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** Precision/recall/F1 per class from a confusion matrix; an undefined ratio (0/0) is reported as 0. */
export function perClassMetrics(confusion: number[][], names: readonly string[]): ClassMetrics[] {
  return names.map((name, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { name, precision, recall, f1, support };
  });
}

/**
 * ROC AUC as the Mann-Whitney statistic: the probability that a random
 * positive scores above a random negative, ties counting one half. NaN when
 * either group is empty.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (positive[idx[t]]) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = idx.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * The clinical view. P(abnormal) is the sum of the abnormal classes'
 * probabilities, so a 7-class model is scored the same way as a 2-class one;
 * a cell is called abnormal when P(abnormal) >= 0.5; benign cells count
 * with the normal ones. Undefined without roles, or when no class (or every
 * class) is abnormal.
 */
export function clinicalMetrics(p: Predictions, roles: readonly ClassRole[] | undefined): ClinicalMetrics | undefined {
  const abnormalClass = abnormalClasses(roles);
  if (abnormalClass === undefined) return undefined;
  const n = p.labels.length;
  const score = new Float64Array(n);
  const isAbnormal: boolean[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < p.numClasses; c++) if (abnormalClass[c]) score[i] += p.probs[i * p.numClasses + c];
    isAbnormal.push(abnormalClass[p.labels[i]]);
  }
  let tp = 0, tn = 0, abnormal = 0;
  for (let i = 0; i < n; i++) {
    const calledAbnormal = score[i] >= 0.5;
    if (isAbnormal[i]) {
      abnormal++;
      if (calledAbnormal) tp++;
    } else if (!calledAbnormal) tn++;
  }
  const normal = n - abnormal;
  return {
    sensitivity: abnormal > 0 ? tp / abnormal : NaN,
    specificity: normal > 0 ? tn / normal : NaN,
    auc: rocAuc(score, isAbnormal),
    abnormal,
    normal,
  };
}

export function evaluatePredictions(p: Predictions, classNames: readonly string[], roles: readonly ClassRole[] | undefined): EvalMetrics {
  const predicted = argmaxRows(p.probs, p.numClasses);
  const confusion = confusionMatrix(p.labels, predicted, p.numClasses);
  const perClass = perClassMetrics(confusion, classNames);
  const correct = predicted.reduce((a, c, i) => a + (c === p.labels[i] ? 1 : 0), 0);
  return {
    n: p.labels.length,
    top1: p.labels.length > 0 ? correct / p.labels.length : NaN,
    top5: p.numClasses > 5 ? topKAccuracy(p, 5) : undefined,
    macroF1: perClass.reduce((a, m) => a + m.f1, 0) / perClass.length,
    perClass,
    confusion,
    clinical: clinicalMetrics(p, roles),
  };
}
