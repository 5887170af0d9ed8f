/**
 * The paper's tables rebuilt from our CSVs: one row per suite run, with the
 * paper's figure and ours side by side. Pure functions from rows to rows and
 * text, so `dresnet tables` can regenerate everything from the CSVs alone.
 */
import { ClaimCheck, claimsMarkdown } from './claims';
import { CsvRow, toCsv } from '../util/csv';
import { MeanStd, meanStd } from '../stats/mean-std';
import { markdownTable } from './markdown';
import { PAPER_ABLATION, PAPER_TABLE3, PAPER_TABLE4, TableLayout } from './paper';

/** The deterministic columns of one model, computed from the built model at the suite's sizing. */
export interface SizeRow {
  id: string;
  label: string;
  paper?: string;
  params: number;
  totalParams: number;
  sizeMB: number;
  sizeMiB: number;
  macs: number;
}

export interface TableSpec {
  name: string;
  title: string;
  layout: TableLayout;
  reference?: string;
  sizing: { classes: number; inputSize: number };
  /** The runs; a pruned one (src/prune) is sized by the plan of one of its fold-runs. */
  runs?: readonly { prune?: { method: string } }[];
}

/** One row of runs.csv as read back (strings keyed by column). */
export type FoldRow = Record<string, string>;

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Columns computed from the models alone: regenerated and compared exactly in npm test. */
export const SIZE_COLUMNS = ['id', 'label', 'params', 'total_params', 'size_mb', 'size_mib', 'macs'] as const;

export function sizeCsvRow(size: SizeRow): CsvRow {
  return {
    id: size.id,
    label: size.label,
    params: size.params,
    total_params: size.totalParams,
    size_mb: round(size.sizeMB, 4),
    size_mib: round(size.sizeMiB, 4),
    macs: size.macs,
  };
}

/** Size as a % of the reference model's, as the paper's "compression ratio" column. */
function compressionPct(size: SizeRow, sizes: readonly SizeRow[], reference?: string): number | undefined {
  const ref = sizes.find((r) => r.id === reference);
  if (!ref || ref.id === size.id) return undefined;
  return round((size.sizeMB / ref.sizeMB) * 100, 2);
}

/** Per-run aggregates of one runs.csv column over folds. */
function aggregate(rows: readonly FoldRow[], id: string, column: string): MeanStd | undefined {
  return meanStd(rows.filter((r) => r.run_id === id && r[column] !== undefined && r[column] !== '').map((r) => Number(r[column])));
}

function firstValue(rows: readonly FoldRow[], id: string, column: string): string | undefined {
  return rows.find((r) => r.run_id === id && r[column])?.[column];
}

/** Columns every layout shares after its own: measured once per model at the protocol's input size. */
const RUNTIME_COLUMNS = ['peak_rss_infer_mb', 'peak_rss_train_mb', 'peak_tensor_infer_mb', 'peak_tensor_train_mb', 'latency_ms', 'train_img_per_s'] as const;

export const TABLE_COLUMNS: Readonly<Record<TableLayout, readonly string[]>> = {
  table3: [
    ...SIZE_COLUMNS, 'paper_size_mb', 'paper_compression_pct', 'compression_pct',
    'paper_accuracy_pct', 'accuracy_pct', 'accuracy_std', 'paper_error_pct', 'error_pct', 'folds', ...RUNTIME_COLUMNS,
  ],
  table4: [
    ...SIZE_COLUMNS, 'paper_size_mb', 'paper_top1_pct', 'top1_pct', 'top1_std', 'paper_top5_pct', 'top5_pct', 'top5_std',
    'folds', ...RUNTIME_COLUMNS,
  ],
  ablation: [
    ...SIZE_COLUMNS, 'paper_delta_pct', 'top1_pct', 'top1_std', 'delta_pct', 'step_delta_pct', 'folds', ...RUNTIME_COLUMNS,
  ],
  custom: [
    ...SIZE_COLUMNS, 'top1_pct', 'top1_std', 'top5_pct', 'top5_std', 'sensitivity_pct', 'sensitivity_std', 'specificity_pct', 'specificity_std',
    'auc', 'auc_std', 'test_top1_pct', 'test_top1_std', 'test_auc', 'test_auc_std', 'folds', ...RUNTIME_COLUMNS,
  ],
};

/** The clinical columns of a custom table and the runs.csv column (a fraction) each aggregates. */
const CLINICAL_COLUMNS = [['sensitivity', 'metric_sensitivity'], ['specificity', 'metric_specificity']] as const;

/** The columns of table.csv that depend only on the models and the paper (no training). */
export function deterministicColumns(layout: TableLayout): string[] {
  const fixed = new Set<string>([...SIZE_COLUMNS, 'compression_pct']);
  return TABLE_COLUMNS[layout].filter((c) => fixed.has(c) || c.startsWith('paper_'));
}

function pct(m: MeanStd | undefined): number | undefined {
  return m && round(m.mean, 2);
}

function pctStd(m: MeanStd | undefined): number | undefined {
  return m && round(m.std, 2);
}

function runtimeCells(rows: readonly FoldRow[], id: string): CsvRow {
  return Object.fromEntries(RUNTIME_COLUMNS.map((c) => [c, firstValue(rows, id, c)]));
}

/** The rows of table.csv: sizes and the paper's figures, joined with our fold aggregates. */
export function buildTableRows(spec: TableSpec, sizes: readonly SizeRow[], folds: readonly FoldRow[]): CsvRow[] {
  const top1Of = (id: string) => aggregate(folds, id, 'top1_pct');
  const refTop1 = spec.reference === undefined ? undefined : top1Of(spec.reference);
  return sizes.map((size, i) => {
    const top1 = top1Of(size.id);
    // `paper` is not a table.csv column: it lets the claim checks find the paper's rows.
    const base: CsvRow = { ...sizeCsvRow(size), paper: size.paper, folds: top1?.n ?? 0, ...runtimeCells(folds, size.id) };
    const diffToRef = top1 && refTop1 ? round(top1.mean - refTop1.mean, 2) : undefined;
    switch (spec.layout) {
      case 'table3': {
        const paper = size.paper === undefined ? undefined : PAPER_TABLE3[size.paper];
        return {
          ...base,
          paper_size_mb: paper?.sizeMB,
          paper_compression_pct: paper?.compressionPct,
          compression_pct: compressionPct(size, sizes, spec.reference),
          paper_accuracy_pct: paper?.accuracyPct,
          accuracy_pct: pct(top1),
          accuracy_std: pctStd(top1),
          paper_error_pct: paper?.errorPct,
          error_pct: size.id === spec.reference ? undefined : diffToRef,
        };
      }
      case 'table4': {
        const paper = size.paper === undefined ? undefined : PAPER_TABLE4[size.paper];
        const top5 = aggregate(folds, size.id, 'top5_pct');
        return {
          ...base,
          paper_size_mb: paper?.sizeMB,
          paper_top1_pct: paper?.top1Pct,
          top1_pct: pct(top1),
          top1_std: pctStd(top1),
          paper_top5_pct: paper?.top5Pct,
          top5_pct: pct(top5),
          top5_std: pctStd(top5),
        };
      }
      case 'ablation': {
        const paper = size.paper === undefined ? undefined : PAPER_ABLATION[size.paper];
        const previous = i > 0 ? top1Of(sizes[i - 1].id) : undefined;
        return {
          ...base,
          paper_delta_pct: paper?.deltaPct,
          top1_pct: pct(top1),
          top1_std: pctStd(top1),
          delta_pct: size.id === spec.reference ? undefined : diffToRef,
          step_delta_pct: top1 && previous ? round(top1.mean - previous.mean, 2) : undefined,
        };
      }
      case 'custom': {
        const top5 = aggregate(folds, size.id, 'top5_pct');
        const auc = aggregate(folds, size.id, 'metric_auc');
        // Each fold's last checkpoint on the held-out test split (data.split.test), where the run has one.
        const testTop1 = aggregate(folds, size.id, 'metric_test_top1');
        const testAuc = aggregate(folds, size.id, 'metric_test_auc');
        const clinical = Object.fromEntries(CLINICAL_COLUMNS.flatMap(([name, column]) => {
          const m = aggregate(folds, size.id, column);
          return [[`${name}_pct`, m && round(m.mean * 100, 2)], [`${name}_std`, m && round(m.std * 100, 2)]];
        }));
        return {
          ...base, top1_pct: pct(top1), top1_std: pctStd(top1), top5_pct: pct(top5), top5_std: pctStd(top5), ...clinical,
          auc: auc && round(auc.mean, 4), auc_std: auc && round(auc.std, 4),
          test_top1_pct: testTop1 && round(testTop1.mean * 100, 2), test_top1_std: testTop1 && round(testTop1.std * 100, 2),
          test_auc: testAuc && round(testAuc.mean, 4), test_auc_std: testAuc && round(testAuc.std, 4),
        };
      }
    }
  });
}

export function tableCsv(spec: TableSpec, rows: readonly CsvRow[]): string {
  return toCsv(TABLE_COLUMNS[spec.layout], rows);
}

/** What the markdown says about how the numbers were made; all read from runs.csv. */
export interface RunContext {
  protocol?: string;
  protocolDescription?: string;
  backend?: string;
  device?: string;
  threads?: string;
  machine?: string;
  wallSeconds: number;
  foldsDone: number;
  foldsPlanned: number;
}

export function runContext(folds: readonly FoldRow[], foldsPlanned: number, protocolDescription?: string): RunContext {
  const distinct = (c: string) => [...new Set(folds.map((r) => r[c]).filter(Boolean))].join(' / ') || undefined;
  return {
    protocol: distinct('protocol'),
    protocolDescription,
    backend: distinct('backend'),
    device: distinct('device'),
    threads: distinct('threads'),
    machine: distinct('machine'),
    wallSeconds: folds.reduce((a, r) => a + (Number(r.seconds) || 0), 0),
    foldsDone: folds.length,
    foldsPlanned,
  };
}

const cell = (v: unknown): string => (v === undefined || v === null || v === '' ? '–' : String(v));

/** A number with a fixed number of decimals for the markdown (the CSV keeps more). */
function fixed(v: unknown, digits: number): string {
  return v === undefined || v === null || v === '' ? '–' : Number(v).toFixed(digits);
}

/** Mean ± std over folds; a single fold has no spread to show, so it says so instead. */
function withStd(mean: unknown, std: unknown, folds: unknown): string {
  if (mean === undefined) return '–';
  return Number(folds) > 1 ? `${mean} ± ${cell(std)}` : `${mean} (1 fold)`;
}

function mainTable(spec: TableSpec, rows: readonly CsvRow[]): string {
  switch (spec.layout) {
    case 'table3':
      return markdownTable(
        ['Model', 'Size/MB paper', 'Size/MB ours', 'Compression/% paper', 'Compression/% ours', 'Accuracy/% paper', 'Accuracy/% ours', 'Error/% paper', 'Error/% ours'],
        rows.map((r) => [cell(r.label), cell(r.paper_size_mb), fixed(r.size_mb, 1), cell(r.paper_compression_pct), cell(r.compression_pct),
          cell(r.paper_accuracy_pct), withStd(r.accuracy_pct, r.accuracy_std, r.folds), cell(r.paper_error_pct), cell(r.error_pct)]),
      );
    case 'table4':
      return markdownTable(
        ['Model', 'Size/MB paper', 'Size/MB ours', 'Top-1/% paper', 'Top-1/% ours', 'Top-5/% paper', 'Top-5/% ours'],
        rows.map((r) => [cell(r.label), cell(r.paper_size_mb), fixed(r.size_mb, 1), cell(r.paper_top1_pct), withStd(r.top1_pct, r.top1_std, r.folds),
          cell(r.paper_top5_pct), withStd(r.top5_pct, r.top5_std, r.folds)]),
      );
    case 'custom':
      return customTable(rows);
    case 'ablation':
      return markdownTable(
        ['Step', 'Size/MB ours', 'Δ top-1 vs previous step/% paper', 'Top-1/% ours', 'Δ vs previous step/% ours', 'Δ vs baseline/% ours'],
        rows.map((r) => [cell(r.label), fixed(r.size_mb, 2), cell(r.paper_delta_pct), withStd(r.top1_pct, r.top1_std, r.folds),
          cell(r.step_delta_pct), cell(r.delta_pct)]),
      );
  }
}

/** A table for any dataset: no paper columns, and top-5, the clinical or the test-split columns only where some run has them. */
function customTable(rows: readonly CsvRow[]): string {
  const columns: [string, (r: CsvRow) => string][] = [
    ['Model', (r) => cell(r.label)],
    ['Size/MB', (r) => fixed(r.size_mb, 2)],
    ['Top-1/%', (r) => withStd(r.top1_pct, r.top1_std, r.folds)],
    ['Top-5/%', (r) => withStd(r.top5_pct, r.top5_std, r.folds)],
    ['Sensitivity/%', (r) => withStd(r.sensitivity_pct, r.sensitivity_std, r.folds)],
    ['Specificity/%', (r) => withStd(r.specificity_pct, r.specificity_std, r.folds)],
    ['AUC', (r) => withStd(r.auc, r.auc_std, r.folds)],
    ['Test top-1/%', (r) => withStd(r.test_top1_pct, r.test_top1_std, r.folds)],
    ['Test AUC', (r) => withStd(r.test_auc, r.test_auc_std, r.folds)],
  ];
  const shown = columns.filter(([, value], i) => i < 3 || rows.some((r) => value(r) !== '–'));
  return markdownTable(shown.map(([name]) => name), rows.map((r) => shown.map(([, value]) => value(r))));
}

function detailTable(rows: readonly CsvRow[]): string {
  return markdownTable(
    ['Model', 'Params (trainable)', 'Params (total)', 'Size/MiB', 'MACs/M', 'Peak RSS (VmHWM) b=1 infer/MB', 'Peak RSS (VmHWM) train step/MB',
      'Peak tensors (ATen) b=1 infer, BN folded/MB', 'Peak tensors (ATen) train step/MB', 'Latency b=1, BN folded/ms', 'Train img/s'],
    rows.map((r) => [cell(r.label), cell(r.params), cell(r.total_params), fixed(r.size_mib, 2), fixed(Number(r.macs) / 1e6, 1),
      fixed(r.peak_rss_infer_mb, 0), fixed(r.peak_rss_train_mb, 0), fixed(r.peak_tensor_infer_mb, 1), fixed(r.peak_tensor_train_mb, 1),
      fixed(r.latency_ms, 2), fixed(r.train_img_per_s, 1)]),
  );
}

function describeContext(spec: TableSpec, ctx: RunContext): string[] {
  const hours = ctx.wallSeconds / 3600;
  const wall = hours >= 1 ? `${round(hours, 2)} h` : `${round(ctx.wallSeconds / 60, 1)} min`;
  return [
    `- Protocol: ${cell(ctx.protocol)}${ctx.protocolDescription ? ` (${ctx.protocolDescription})` : ''}`,
    `- Backend: ${cell(ctx.backend)}, device ${cell(ctx.device)}, threads ${cell(ctx.threads)}`,
    `- Machine: ${cell(ctx.machine)}`,
    ctx.foldsDone === 0
      ? '- Runs: none yet; the accuracy, memory and speed columns fill in as `dresnet compare` / `dresnet ablate` train them'
      : `- Runs: ${ctx.foldsDone} of ${ctx.foldsPlanned} run × fold trainings done; training wall time ${wall} (sum over folds)`,
    `- Sizes and MACs: the built models at ${spec.sizing.classes} classes, ${spec.sizing.inputSize}×${spec.sizing.inputSize} input; size = every float32 weight (trainable + batch-norm statistics), as dresnet info counts it, in MB = 10^6 bytes and MiB = 2^20 bytes; params = trainable`,
    ...(spec.runs?.some((r) => r.prune) ? [PRUNED_SIZES] : []),
    spec.layout === 'custom'
      ? '- Ours: mean ± sample standard deviation over fold-runs (every repeat of the k-fold split).'
      : '- Ours: mean ± sample standard deviation over fold-runs (every repeat of the k-fold split). Paper: the figures printed in the paper (its own 12-class data set; see src/report/paper.ts).',
    '- Memory and latency: measured once per model in a fresh process at the protocol input size by src/measure, as `dresnet bench` measures them: batch-1 inference of the model with its batch norms folded into the convolutions (latency: the median after warm-up), then the run\'s training step at the protocol batch size; peak RSS is the process\'s VmHWM, peak tensors ATen\'s own count of tensor bytes (each storage once; tf.profile\'s on a backend other than torch).',
  ];
}

const PRUNED_SIZES = '- Pruned rows (pruned + fine-tuned from a trained parent): the pruning plan of the row\'s first finished fold-run (in protocol order) applied to the parent\'s model at that sizing; the plan depends on the trained weights, so the row appears once a fold-run has finished. l1 keeps the same channel counts in every fold-run; slim\'s global threshold may keep others in other folds.';

/**
 * How the accuracy claims are decided, for the markdown: the paired
 * differences and the corrected resampled t-test of src/stats.
 */
const CLAIMS_METHOD = [
  'Each accuracy claim compares models A and B on the same fold-runs (every run of a suite trains on the same splits): the paired differences of top-1,',
  'their mean, and its confidence interval from the corrected resampled t-test for repeated k-fold cross-validation (Nadeau & Bengio 2003; Bouckaert & Frank 2004:',
  'variance of the mean s²·(1/n + n_test/n_train), n − 1 degrees of freedom). A directional claim holds when the 95% CI lies on its side of 0 and is contradicted when it lies',
  'on the other; an equivalence (TOST) or non-inferiority claim is read from the 90% CI against its margin. Anything else is inconclusive, with the repeats that would',
  'decide a difference of the observed size at the observed spread (the first R whose interval excludes the boundary; none when the correction\'s floor sd·√(n_test/n_train) is too wide).',
].join(' ');

export function tableMarkdown(spec: TableSpec, rows: readonly CsvRow[], ctx: RunContext, figures: readonly string[] = [], claims: readonly ClaimCheck[] = []): string {
  return [
    `# ${spec.title}`,
    '',
    ...describeContext(spec, ctx),
    '',
    mainTable(spec, rows),
    '',
    '## Size, compute, memory and speed (ours)',
    '',
    detailTable(rows),
    '',
    spec.layout === 'custom' ? '## Claims on our runs' : "## The paper's claims on our runs",
    '',
    ...(claims.length === 0
      ? ['No claims: a suite file states its own under `claims:` (A more accurate than B, A within m pp of B, A at most m pp below B).']
      : [CLAIMS_METHOD, '', claimsMarkdown(claims, spec.layout !== 'custom')]),
    ...figures.flatMap((f) => ['', `![${f}](${f})`]),
    '',
  ].join('\n');
}
