/**
 * The files of results/<suite>/: sizes.csv (deterministic), runs.csv and
 * curves.csv (from the state file), and table.csv / table.md / figures,
 * which are regenerated from those CSVs alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { CsvRow, CsvValue, readCsv, toCsv } from '../util/csv';
import { checkClaims, CLAIM_COLUMNS, claimCsvRow } from '../report/claims';
import { barChartSvg, lineChartSvg, Series, writeChart } from '../report/plots';
import { meanStd } from '../stats/mean-std';
import { buildTableRows, FoldRow, runContext, SIZE_COLUMNS, sizeCsvRow, SizeRow, tableCsv, tableMarkdown } from '../report/tables';
import { atomicWriteFile } from '../util/files';
import { protocolSlots, Suite } from './load';
import { Protocol } from './schema';
import { foldKey, parseFoldKey, SuiteState } from './state';

export const OUTPUT_FILES = {
  sizes: 'sizes.csv',
  runs: 'runs.csv',
  curves: 'curves.csv',
  table: 'table.csv',
  markdown: 'table.md',
  claims: 'claims.csv',
  state: 'state.json',
} as const;

/** runs.csv's leading columns; the trainer's flattened metrics (metric_*) follow in sorted order. */
export const RUN_COLUMNS = [
  'suite', 'protocol', 'run_id', 'label', 'repeat', 'fold', 'config_hash', 'model', 'width', 'input_size', 'classes', 'epochs', 'batch_size',
  'seed', 'backend', 'device', 'threads', 'machine', 'git_commit', 'top1_pct', 'top5_pct', 'val_loss', 'seconds', 'train_img_per_s',
  'params', 'total_params', 'size_mb', 'size_mib', 'macs', 'peak_rss_infer_mb', 'peak_rss_train_mb', 'peak_tensor_infer_mb',
  'peak_tensor_train_mb', 'latency_ms', 'train_step_ms', 'run_dir',
] as const;

const CURVE_COLUMNS = ['run_id', 'label', 'repeat', 'fold', 'epoch', 'step', 'val_top1_pct'] as const;

/** Writes a file only when its content changes, so re-running on finished results leaves files (and mtimes) alone. */
function writeIfChanged(file: string, data: string | Buffer): void {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(Buffer.from(data))) return;
  atomicWriteFile(file, data);
}

/**
 * Every finished fold-run the protocol reports, in suite order, then repeat,
 * then fold (one trained beyond the protocol's repeats or trainFolds stays in
 * the state but not in the tables).
 */
function finishedRows(suite: Suite, state: SuiteState): Record<string, CsvValue>[] {
  const protocol = suite.protocols[state.protocol];
  const rows: Record<string, CsvValue>[] = [];
  for (const run of suite.runs) {
    for (const key of reportedKeys(run.id, state, protocol)) {
      const entry = state.folds[key];
      if (entry?.status === 'done' && entry.row) rows.push(entry.row);
    }
  }
  return rows;
}

/** The state keys of one run's reported fold-runs: the protocol's, or (a protocol no longer in the suite file) every one in the state. */
function reportedKeys(runId: string, state: SuiteState, protocol: Protocol | undefined): string[] {
  if (protocol !== undefined) return protocolSlots(protocol).map((slot) => foldKey(runId, slot));
  return Object.keys(state.folds)
    .map((key) => ({ key, slot: parseFoldKey(key) }))
    .filter(({ slot }) => slot?.runId === runId)
    .sort((a, b) => a.slot!.repeat - b.slot!.repeat || a.slot!.fold - b.slot!.fold)
    .map(({ key }) => key);
}

export function writeRunsCsv(dir: string, suite: Suite, state: SuiteState): void {
  const rows = finishedRows(suite, state);
  const fixed = new Set<string>(RUN_COLUMNS);
  // Only columns with a value somewhere: undefined metrics do not survive the state file's JSON, and the
  // columns must not depend on whether a row was just trained or read back.
  const present = rows.flatMap((r) => Object.keys(r).filter((c) => r[c] !== undefined && r[c] !== null));
  const extra = [...new Set(present.filter((c) => !fixed.has(c)))].sort();
  writeIfChanged(path.join(dir, OUTPUT_FILES.runs), toCsv([...RUN_COLUMNS, ...extra], rows));
  const curveRows: CsvRow[] = [];
  for (const row of rows) {
    const entry = state.folds[foldKey(String(row.run_id), { repeat: Number(row.repeat), fold: Number(row.fold) })];
    for (const p of entry?.curve ?? []) {
      curveRows.push({ run_id: row.run_id, label: row.label, repeat: row.repeat, fold: row.fold, epoch: p.epoch, step: p.step, val_top1_pct: p.valTop1 });
    }
  }
  writeIfChanged(path.join(dir, OUTPUT_FILES.curves), toCsv(CURVE_COLUMNS, curveRows));
}

export function writeSizesCsv(dir: string, sizes: readonly SizeRow[]): void {
  writeIfChanged(path.join(dir, OUTPUT_FILES.sizes), sizesCsvText(sizes));
}

export function sizesCsvText(sizes: readonly SizeRow[]): string {
  return toCsv(SIZE_COLUMNS, sizes.map(sizeCsvRow));
}

/** Reads sizes.csv back, in the suite's run order, with each run's paper row (a pruned run has none until a fold-run of it has finished). */
export function readSizes(dir: string, suite: Suite): SizeRow[] {
  const file = path.join(dir, OUTPUT_FILES.sizes);
  if (!fs.existsSync(file)) {
    throw new UserError(`${file} is missing: run \`dresnet compare --suite ${path.relative(process.cwd(), suite.file)} --sizes-only\` first`);
  }
  const byId = new Map(readCsv(file).map((r) => [r.id, r]));
  return suite.runs.filter((run) => run.prune === undefined || byId.has(run.id)).map((run) => {
    const r = byId.get(run.id);
    if (!r) throw new UserError(`${file} has no row for run "${run.id}": regenerate it with \`dresnet compare --sizes-only\``);
    return {
      id: run.id, label: run.label, paper: run.paper, params: Number(r.params), totalParams: Number(r.total_params),
      sizeMB: Number(r.size_mb), sizeMiB: Number(r.size_mib), macs: Number(r.macs),
    };
  });
}

function readOptionalCsv(file: string): FoldRow[] {
  return fs.existsSync(file) ? readCsv(file) : [];
}

/** Fig. 6: mean validation top-1 over folds against the mean iteration, one line per model. */
export function curveSeries(suite: Suite, curves: readonly FoldRow[]): Series[] {
  return suite.runs.flatMap((run) => {
    const mine = curves.filter((c) => c.run_id === run.id);
    const epochs = [...new Set(mine.map((c) => Number(c.epoch)))].sort((a, b) => a - b);
    const points = epochs.map((e) => {
      const at = mine.filter((c) => Number(c.epoch) === e);
      return { x: meanStd(at.map((c) => Number(c.step)))!.mean, y: meanStd(at.map((c) => Number(c.val_top1_pct)))!.mean };
    });
    return points.length ? [{ label: run.label, points }] : [];
  });
}

async function writeFigures(dir: string, suite: Suite, tableRows: readonly CsvRow[], curves: readonly FoldRow[]): Promise<string[]> {
  if (suite.figure === 'curves') {
    const series = curveSeries(suite, curves);
    if (series.length === 0) return [];
    await writeChart(path.join(dir, 'fig6'), lineChartSvg({
      title: `Fig. 6 (ours): validation top-1 vs iteration, ${suite.name}`,
      xLabel: 'iteration (mean over folds)',
      yLabel: 'validation top-1 / % (mean over folds)',
      series,
    }));
    return ['fig6.png'];
  }
  if (suite.figure === 'ablation') {
    const steps = tableRows.filter((r) => r.id !== suite.reference);
    if (!steps.some((r) => r.step_delta_pct !== undefined)) return [];
    await writeChart(path.join(dir, 'ablation'), barChartSvg({
      title: 'Ablation: top-1 change of each step over the step before',
      yLabel: 'Δ top-1 / percentage points',
      seriesNames: ['paper', 'ours (mean over folds)'],
      groups: steps.map((r) => ({ label: String(r.label), values: [num(r.paper_delta_pct), num(r.step_delta_pct)] })),
    }));
    return ['ablation.png'];
  }
  return [];
}

function num(v: CsvValue): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

/** table.csv, table.md and the figures, from sizes.csv, runs.csv and curves.csv alone. */
export async function renderTables(suite: Suite, dir: string): Promise<void> {
  const sizes = readSizes(dir, suite);
  const folds = readOptionalCsv(path.join(dir, OUTPUT_FILES.runs));
  const curves = readOptionalCsv(path.join(dir, OUTPUT_FILES.curves));
  const rows = buildTableRows(suite, sizes, folds);
  const protocolName = folds[0]?.protocol;
  const protocol = protocolName === undefined ? undefined : suite.protocols[protocolName];
  const planned = protocol ? protocolSlots(protocol).length * suite.runs.length : 0;
  const figures = await writeFigures(dir, suite, rows, curves);
  const claims = checkClaims(suite.layout, { rows, folds, splitFolds: protocol?.folds ?? splitFoldsOf(folds) }, suite.claims);
  writeIfChanged(path.join(dir, OUTPUT_FILES.table), tableCsv(suite, rows));
  writeIfChanged(path.join(dir, OUTPUT_FILES.claims), toCsv(CLAIM_COLUMNS, claims.map(claimCsvRow)));
  writeIfChanged(path.join(dir, OUTPUT_FILES.markdown), tableMarkdown(suite, rows, runContext(folds, planned, protocol?.description), figures, claims));
}

/** k of the split when the protocol is gone from the suite file: the folds seen in runs.csv. */
function splitFoldsOf(folds: readonly FoldRow[]): number {
  return Math.max(2, new Set(folds.map((f) => f.fold)).size);
}
