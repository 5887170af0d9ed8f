/** Classifying image files with a Classifier: top-K, P(abnormal) and the call, and the table/CSV/JSON forms of the result. */
import * as path from 'node:path';
import { isUserError } from '../util/errors';
import type { Classifier } from './classifier';
import { ABNORMAL_THRESHOLD } from './roles';

export interface Prediction {
  file: string;
  /** Every class's probability, in the classifier's class order. */
  probs: number[];
  top: { class: string; p: number }[];
  /** Sum over the abnormal classes; absent when the task has none. */
  abnormal?: number;
  call?: 'abnormal' | 'normal';
}

export interface Skipped {
  file: string;
  reason: string;
}

export interface PredictOptions {
  tta?: boolean;
  top?: number;
  /** List unreadable files instead of stopping at the first. */
  skipBad?: boolean;
}

/** Images whose inputs go through the model together. */
const BATCH_IMAGES = 16;

export async function predictFiles(classifier: Classifier, files: readonly string[], opts: PredictOptions = {}): Promise<{ predictions: Prediction[]; skipped: Skipped[] }> {
  const predictions: Prediction[] = [];
  const skipped: Skipped[] = [];
  for (let start = 0; start < files.length; start += BATCH_IMAGES) {
    const batch: { file: string; inputs: Float32Array[] }[] = [];
    for (const file of files.slice(start, start + BATCH_IMAGES)) {
      try {
        batch.push({ file, inputs: await classifier.inputs(file, opts.tta ?? false) });
      } catch (err) {
        if (!(opts.skipBad && isUserError(err))) throw err;
        skipped.push({ file, reason: err.message });
      }
    }
    if (batch.length === 0) continue;
    const probs = classifier.probabilities(batch.flatMap((b) => b.inputs));
    let row = 0;
    for (const { file, inputs } of batch) {
      predictions.push(describe(classifier, file, meanRows(probs, row, inputs.length, classifier.classes.length), opts.top ?? 3));
      row += inputs.length;
    }
  }
  return { predictions, skipped };
}

/** The mean of `count` probability rows from `row` on (one row without TTA). */
function meanRows(probs: Float32Array, row: number, count: number, k: number): number[] {
  const mean = new Array<number>(k).fill(0);
  for (let r = row; r < row + count; r++) for (let c = 0; c < k; c++) mean[c] += probs[r * k + c];
  return count === 1 ? Array.from(probs.subarray(row * k, row * k + k)) : mean.map((v) => v / count);
}

function describe(classifier: Classifier, file: string, probs: number[], k: number): Prediction {
  const top = probs
    .map((p, c) => ({ class: classifier.classes[c], p, c }))
    .sort((a, b) => b.p - a.p || a.c - b.c)
    .slice(0, k)
    .map(({ class: cls, p }) => ({ class: cls, p }));
  const flags = classifier.abnormal;
  if (!flags) return { file, probs, top };
  const abnormal = probs.reduce((sum, p, c) => sum + (flags[c] ? p : 0), 0);
  return { file, probs, top, abnormal, call: abnormal >= ABNORMAL_THRESHOLD ? 'abnormal' : 'normal' };
}

export type PredictFormat = 'table' | 'csv' | 'json';

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function formatPredictions(classifier: Classifier, predictions: readonly Prediction[], skipped: readonly Skipped[], format: PredictFormat): string {
  const clinical = classifier.abnormal !== undefined;
  if (format === 'json') return JSON.stringify({ source: classifier.source, classes: classifier.classes, predictions, skipped }, null, 2) + '\n';
  if (format === 'csv') {
    const header = ['file', 'top1', 'p_top1', ...(clinical ? ['p_abnormal', 'call'] : []), ...classifier.classes.map((c) => `p_${c}`)];
    const rows = predictions.map((p) => [p.file, p.top[0].class, String(p.top[0].p), ...(clinical ? [String(p.abnormal), p.call!] : []), ...p.probs.map(String)]);
    return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
  }
  const lines = [`# ${classifier.source}`];
  for (const p of predictions) {
    const top = p.top.map((t) => `${t.class} ${(100 * t.p).toFixed(1)}%`).join(', ');
    lines.push(`${path.basename(p.file)}: ${top}${clinical ? ` | P(abnormal) ${(100 * p.abnormal!).toFixed(1)}% -> ${p.call}` : ''}`);
  }
  for (const s of skipped) lines.push(`skipped ${s.file}: ${s.reason}`);
  return lines.join('\n') + '\n';
}
