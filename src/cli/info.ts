/**
 * `dresnet info`: parameters, float32 size (MB and MiB), MACs and the
 * paper's printed size of each model, measured from the built model; with
 * --layers, a per-layer summary. `--variants` adds every width the paper
 * printed a size for (ResNet-50 and DResNet @.5 / @.25), which is how
 * results/sizes.csv and results/sizes.md are generated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UserError } from '../util/errors';
import { createModel, getModelDefinition, listModels, modelStats, MACS_CONVENTION, paperSizes } from '../models';
import type { LayerStats, PaperSize } from '../models';
import { CsvRow, toCsv } from '../util/csv';
import { markdownTable } from '../report/markdown';
import { atomicWriteFile } from '../util/files';
import { findCheckpoint, INIT_DIR, loadModel } from '../train/checkpoint';

type Format = 'table' | 'csv' | 'md';

export interface InfoOptions {
  classes: number;
  input: number;
  width?: number;
  variants: boolean;
  format: Format;
  layers: boolean;
  out?: string;
  /** Run folders whose saved model (a pruned one included) is measured, beside the zoo models named. */
  run?: string[];
}

interface ModelRequest { name: string; width: number }

const SIZE_COLUMNS = ['model', 'width', 'classes', 'input', 'trainable_params', 'total_params', 'size_mb', 'size_mib', 'macs', 'gmacs', 'paper_mb', 'paper_source'] as const;
const LAYER_COLUMNS = ['model', 'layer', 'type', 'output_shape', 'params', 'macs'] as const;
const NONE = '–';

function positiveNumber(flag: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new UserError(`${flag}: expected ${integer ? 'a positive integer' : 'a positive number'}, got "${value}"`);
    }
    return n;
  };
}

/** `name` or `name@w` (the paper's notation, e.g. resnet50@.5). */
function parseModelArg(arg: string, defaultWidth?: number): ModelRequest {
  const [name, width] = arg.split('@');
  getModelDefinition(name);
  if (width === undefined) return { name, width: defaultWidth ?? getModelDefinition(name).defaults.width };
  return { name, width: positiveNumber(`model ${arg}: width after @`, false)(width) };
}

/** The requested models, each followed (with --variants) by the other widths the paper printed a size for. */
function requests(args: string[], opts: InfoOptions): ModelRequest[] {
  const base = (args.length > 0 ? args : listModels()).map((a) => parseModelArg(a, opts.width));
  if (!opts.variants) return base;
  return base.flatMap((req) => {
    const printed = [...new Set((getModelDefinition(req.name).paperSizes ?? []).map((p) => p.width))];
    const extra = printed.filter((width) => !base.some((r) => r.name === req.name && r.width === width));
    return [req, ...extra.map((width) => ({ name: req.name, width }))];
  });
}

interface Measured { row: CsvRow; layers: LayerStats[] }

function measure(req: ModelRequest, opts: InfoOptions): Measured {
  const model = createModel(req.name, { numClasses: opts.classes, inputSize: opts.input, width: req.width });
  try {
    const paper = opts.classes === 1000 ? paperSizes(req.name, req.width) : [];
    return measured(model, { model: req.name, width: req.width, classes: opts.classes, input: opts.input }, paper);
  } finally {
    model.dispose();
  }
}

/** The model a run saved (its best/, else last/, else the init/ it started from: a pruned model before fine-tuning). */
export async function measureRun(runDir: string): Promise<Measured> {
  const dir = ['best', 'last'].map((c) => findCheckpoint(path.join(runDir, c))).find((d) => d !== undefined) ?? path.join(runDir, INIT_DIR);
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new UserError(`--run ${runDir}: no saved model there (best/, last/ or init/)`);
  const model = await loadModel(dir);
  try {
    const input = model.inputs[0].shape[1] as number;
    const classes = model.outputs[0].shape[1] as number;
    return measured(model, { model: path.basename(path.resolve(runDir)), width: NONE, classes, input }, []);
  } finally {
    model.dispose();
  }
}

function measured(model: tfl.LayersModel, id: CsvRow, paper: PaperSize[]): Measured {
  const s = modelStats(model);
  const row: CsvRow = {
    ...id,
    trainable_params: s.trainableParams, total_params: s.totalParams,
    size_mb: s.mb.toFixed(3), size_mib: s.mib.toFixed(3), macs: s.macs, gmacs: (s.macs / 1e9).toFixed(4),
    paper_mb: paper.length ? paper.map((p) => p.mb).join(' / ') : NONE,
    paper_source: paper.length ? paper.map((p) => p.source).join(' / ') : NONE,
  };
  return { row, layers: s.layers };
}

function layerRows(model: string, layers: LayerStats[]): CsvRow[] {
  return layers.map((l) => ({ model, layer: l.name, type: l.type, output_shape: l.outputShape, params: l.params, macs: l.macs }));
}

function cells(columns: readonly string[], rows: readonly CsvRow[]): string[][] {
  return rows.map((r) => columns.map((c) => String(r[c] ?? '')));
}

function textTable(columns: readonly string[], rows: readonly CsvRow[]): string {
  const body = cells(columns, rows);
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  // Numbers right-aligned, text left-aligned.
  const numeric = columns.map((_, i) => body.every((r) => r[i] === '' || !Number.isNaN(Number(r[i]))));
  const line = (r: readonly string[]): string => r.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}

function mdTable(columns: readonly string[], rows: readonly CsvRow[]): string {
  return `${markdownTable(columns, cells(columns, rows), columns.map((_, i) => (i === 0 ? 'left' : 'right')))}\n`;
}

function render(format: Format, columns: readonly string[], rows: readonly CsvRow[]): string {
  if (format === 'csv') return toCsv(columns, rows);
  return format === 'md' ? mdTable(columns, rows) : textTable(columns, rows);
}

/** The command line that reproduces this output, for the markdown header. */
function commandLine(args: string[], opts: InfoOptions): string {
  const parts = ['dresnet info', ...args];
  if (opts.classes !== 1000) parts.push(`--classes ${opts.classes}`);
  if (opts.input !== 224) parts.push(`--input ${opts.input}`);
  if (opts.width !== undefined) parts.push(`--width ${opts.width}`);
  if (opts.variants) parts.push('--variants');
  if (opts.layers) parts.push('--layers');
  parts.push(`--format ${opts.format}`);
  for (const run of opts.run ?? []) parts.push(`--run ${run}`);
  if (opts.out) parts.push(`--out ${opts.out}`);
  return parts.join(' ');
}

/** Each listed family's own default options (the switches beyond numClasses/inputSize/width), e.g. DResNet's stage widths. */
function familyDefaults(names: string[]): string[] {
  const common = new Set(['numClasses', 'inputSize', 'width']);
  return [...new Set(names)].flatMap((name) => {
    const own = Object.entries(getModelDefinition(name).defaults).filter(([k]) => !common.has(k));
    return own.length ? [`${name} defaults: ${own.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}.`] : [];
  });
}

function markdownHeader(args: string[], opts: InfoOptions, names: string[]): string {
  const notes = [
    'Sizes count every float32 weight (BN running statistics included): MB = 10^6 bytes, MiB = 2^20 bytes.',
    `${MACS_CONVENTION}.`,
    `paper_mb: the size the paper printed ("${NONE}" where it printed none).`,
    ...familyDefaults(names),
  ];
  return [
    `# Model sizes (${opts.classes} classes, ${opts.input}×${opts.input} input)`,
    '',
    `Generated by \`${commandLine(args, opts)}\` (the CSV beside it: the same command with \`--format csv\`).`,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '',
  ].join('\n');
}

/** The report; `runs` are measureRun's rows (only they, when no model is named). */
export function infoReport(args: string[], opts: InfoOptions, runs: Measured[] = []): string {
  const zoo = args.length === 0 && runs.length > 0 ? [] : requests(args, opts);
  const measured = [
    ...zoo.map((r) => ({ label: r.width === 1 ? r.name : `${r.name}@${r.width}`, ...measure(r, opts) })),
    ...runs.map((m) => ({ label: String(m.row.model), ...m })),
  ];
  const rows = measured.map((m) => m.row);
  const sections = [render(opts.format, SIZE_COLUMNS, rows)];
  if (opts.layers) {
    const layerTable = measured.flatMap((m) => layerRows(m.label, m.layers));
    sections.push(render(opts.format, LAYER_COLUMNS, layerTable));
  }
  const body = sections.join('\n');
  if (opts.format === 'md') return `${markdownHeader(args, opts, zoo.map((r) => r.name))}${body}`;
  return opts.format === 'table' ? `${body}\n${MACS_CONVENTION}.\n` : body;
}

export function registerInfoCommand(program: Command): void {
  program.command('info')
    .description('parameters, float32 size (MB, MiB), MACs and the paper\'s printed size of models (default: all)')
    .argument('[model...]', `models, optionally with a width as name@w (e.g. resnet50@.5); one of: ${listModels().join(', ')}`)
    .option('--classes <n>', 'classifier classes', positiveNumber('--classes', true), 1000)
    .option('--input <px>', 'input size (square)', positiveNumber('--input', true), 224)
    .option('--width <w>', 'channel-width multiplier for models given without @w', positiveNumber('--width', false))
    .option('--variants', 'also every width the paper printed a size for (@.5, @.25)', false)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'md']).default('table'))
    .option('--layers', 'add a per-layer summary (output shape, params, MACs)', false)
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--run <runDir>', 'also measure the model a run saved, e.g. a pruned run (repeatable; alone: only the runs)', (v: string, prev: string[]) => [...prev, v], [])
    .action(async (args: string[], opts: InfoOptions) => {
      await tf.setBackend('cpu');
      const runs: Measured[] = [];
      for (const run of opts.run ?? []) runs.push(await measureRun(run));
      const report = infoReport(args, opts, runs);
      if (opts.out) atomicWriteFile(opts.out, report);
      else process.stdout.write(report);
    });
}
