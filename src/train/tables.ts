import type { CsvRow } from '../util/csv';
import type { EvalMetrics } from './metrics';

export const PER_CLASS_COLUMNS = ['class', 'precision', 'recall', 'f1', 'support'] as const;

/** confusion.csv: one row per true class, one column per predicted class. */
export function confusionCsv(metrics: EvalMetrics, classes: readonly string[]): CsvRow[] {
  return metrics.confusion.map((row, i) => ({ true: classes[i], ...Object.fromEntries(classes.map((c, j) => [c, row[j]])) }));
}

export function perClassRows(metrics: EvalMetrics): CsvRow[] {
  return metrics.perClass.map((m) => ({ class: m.name, precision: m.precision, recall: m.recall, f1: m.f1, support: m.support }));
}
