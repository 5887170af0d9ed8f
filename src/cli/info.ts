/**
 * `dresnet info`: parameters, float32 size (MB and MiB), MACs and the
 * paper's printed size of each model, measured from the built model; with
 * --layers, a per-layer summary. `--variants` adds every width the paper
 * printed a size for (ResNet-50 and DResNet @.5 / @.25), which is how
 * results/sizes.csv and results/sizes.md are generated.
 */
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UserError } from '../util/errors';
import { createModel, getModelDefinition, listModels, modelStats, MACS_CONVENTION, paperSizes } from '../models';
import type { LayerStats } from '../models';
import { CsvRow, toCsv } from '../util/csv';
import { markdownTable } from '../report/markdown';
import { atomicWriteFile } from '../util/files';

type Format = 'table' | 'csv' | 'md';

export interface InfoOptions {
  classes: number;
  input: number;
  width?: number;
  variants: boolean;
  format: Format;
  layers: boolean;
  out?: string;
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
    const s = modelStats(model);
    const paper = opts.classes === 1000 ? paperSizes(req.name, req.width) : [];
    const row: CsvRow = {
      model: req.name, width: req.width, classes: opts.classes, input: opts.input,
      trainable_params: s.trainableParams, total_params: s.totalParams,
      size_mb: s.mb.toFixed(3), size_mib: s.mib.toFixed(3), macs: s.macs, gmacs: (s.macs / 1e9).toFixed(4),
      paper_mb: paper.length ? paper.map((p) => p.mb).join(' / ') : NONE,
      paper_source: paper.length ? paper.map((p) => p.source).join(' / ') : NONE,
    };
    return { row, layers: s.layers };
  } finally {
    model.dispose();
  }
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

export function infoReport(args: string[], opts: InfoOptions): string {
  const measured = requests(args, opts).map((r) => ({ req: r, ...measure(r, opts) }));
  const rows = measured.map((m) => m.row);
  const sections = [render(opts.format, SIZE_COLUMNS, rows)];
  if (opts.layers) {
    const layerTable = measured.flatMap((m) => layerRows(m.req.width === 1 ? m.req.name : `${m.req.name}@${m.req.width}`, m.layers));
    sections.push(render(opts.format, LAYER_COLUMNS, layerTable));
  }
  const body = sections.join('\n');
  if (opts.format === 'md') return `${markdownHeader(args, opts, measured.map((m) => m.req.name))}${body}`;
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
    .action(async (args: string[], opts: InfoOptions) => {
      await tf.setBackend('cpu');
      const report = infoReport(args, opts);
      if (opts.out) atomicWriteFile(opts.out, report);
      else process.stdout.write(report);
    });
}
