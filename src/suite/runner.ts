/**
 * Runs a suite: for every run × fold, reuse a finished result, resume an
 * interrupted one, or train it; measure each model once (memory, latency);
 * then write the CSVs and regenerate the tables. The trainer, the model
 * statistics and the probe come in as ports so the bookkeeping is testable
 * without training anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withoutDefaults } from '../config/diff';
import { defaultRunConfig } from '../config/load';
import { RunConfig } from '../config/run-config';
import { MEASURE_DEFINITIONS } from '../measure';
import { getModelDefinition } from '../models';
import { CsvValue } from '../util/csv';
import { SizeRow } from '../report/tables';
import { trainedRunsByHash } from './adopt';
import { FoldSlot, getProtocol, protocolFolds, protocolSlots, resolveRunConfig, sizingModelConfig, Suite } from './load';
import { OUTPUT_FILES, renderTables, writeRunsCsv, writeSizesCsv } from './outputs';
import { Protocol, SuiteRunSpec } from './schema';
import { CurvePoint, foldKey, lockSuiteDir, repeatPart, readSuiteState, stableHash, SuiteState, writeSuiteState } from './state';

/** What a finished fold tells the suite. */
export interface FoldOutcome {
  /** Validation top-1 / top-5 as fractions (top-5 absent with 5 classes or fewer). */
  top1: number;
  top5?: number;
  valLoss?: number;
  numClasses: number;
  seconds: number;
  imgPerSec?: number;
  backend: string;
  device: string;
  threads: number;
  machine: string;
  gitCommit?: string;
  /** Every other metric of the trainer, flattened (per-class P/R, sensitivity, AUC, ...). */
  metrics: Record<string, CsvValue>;
  curve: CurvePoint[];
}

export interface ModelStats {
  params: number;
  totalParams: number;
  sizeMB: number;
  sizeMiB: number;
  macs: number;
}

export interface ProbeRequest {
  model: RunConfig['model'];
  numClasses: number;
  inputSize: number;
  /** The run's batch size, loss and optimiser: the measured training step is the run's own. */
  train: RunConfig['train'];
  runtime: RunConfig['runtime'];
  /** Timed repetitions after warm-up (default: 3 warm-up runs, then at least 5, up to 30 or 5 s). */
  timing?: { warmup: number; minRepeats: number };
}

/** Memory and speed of one model (see probe.ts); all in MB (10^6 bytes) and milliseconds. */
export interface ProbeResult extends Record<string, number> {
  peak_rss_infer_mb: number;
  peak_rss_train_mb: number;
  peak_tensor_infer_mb: number;
  peak_tensor_train_mb: number;
  latency_ms: number;
  train_step_ms: number;
}

export interface SuitePorts {
  /** Trains one fold into a run folder under config.runtime.outDir, resuming the run already there if any; returns the run folder. */
  trainFold(config: RunConfig): Promise<string>;
  /** Reads a finished run folder. */
  collect(runDir: string): FoldOutcome;
  modelStats(model: RunConfig['model'], numClasses: number, inputSize: number): Promise<ModelStats>;
  probe(request: ProbeRequest): Promise<ProbeResult>;
  log(line: string): void;
}

export interface SuiteRunOptions {
  protocol: string;
  /** results/<suite> by default. */
  outDir: string;
  /** Parent of the suite's run folders (default: each run config's runtime.outDir). */
  runsRoot?: string;
  /** Only these run ids / folds, the latter in every repeat (default: all). */
  runs?: readonly string[];
  folds?: readonly number[];
  /** Write sizes and tables, train nothing. */
  sizesOnly?: boolean;
  /** false: skip the memory/latency probe (sizes are still computed). */
  probe?: boolean;
}

export interface SuiteRunSummary {
  trained: string[];
  reused: string[];
}

/**
 * The parts of a config that decide its results; the run's name, output folder
 * and verbosity do not, and neither does a key at its default (so a key added
 * to the schema later does not invalidate finished runs). Model switches count
 * against their family's defaults, so a switch spelled out at its default (the
 * ablation's full DResNet) is the same run.
 */
export function resultHash(config: RunConfig): string {
  const { name, runtime: { outDir, quiet, ...runtime }, model, ...rest } = config;
  const defaults = defaultRunConfig([`model.name=${JSON.stringify(model.name)}`]);
  const family = { ...defaults.model, ...getModelDefinition(model.name).defaults, name: undefined };
  return stableHash({
    ...withoutDefaults({ ...rest, runtime }, defaults as unknown as Record<string, unknown>),
    model: { name: model.name, ...withoutDefaults(model, family) },
  });
}

/** Where a fold-run's run folder lives: one folder per config hash, so a changed config never resumes a stale run. */
export function foldRunsDir(config: RunConfig, suite: Suite, protocol: string, runId: string, slot: FoldSlot, runsRoot?: string): string {
  return path.join(runsRoot ?? config.runtime.outDir, 'suites', suite.name, protocol, `${runId}${foldDirSuffix(slot, resultHash(config))}`);
}

/** The part of a fold-run's folder name shared by every suite that trains the same config (the run id before it differs). */
const foldDirSuffix = (slot: FoldSlot, hash: string): string => `-${repeatPart(slot.repeat, '-')}fold${slot.fold}-${hash}`;

/**
 * The run folder of a finished fold with the same config under another suite
 * (Table 3 and Table 4 both train DResNet under one protocol), so it is reused
 * rather than trained twice.
 */
function sharedRunDir(foldDir: string, slot: FoldSlot, hash: string, collect: SuitePorts['collect']): string | undefined {
  const protocolDir = path.dirname(foldDir);
  const suitesDir = path.dirname(path.dirname(protocolDir));
  if (!fs.existsSync(suitesDir)) return undefined;
  const suffix = foldDirSuffix(slot, hash);
  for (const suite of fs.readdirSync(suitesDir).sort()) {
    const dir = path.join(suitesDir, suite, path.basename(protocolDir));
    if (dir === protocolDir || !fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(suffix)).sort()) {
      const runDir = path.join(dir, name, 'run');
      try {
        collect(runDir);
        return runDir;
      } catch {
        // Not finished there (or not a run folder): keep looking.
      }
    }
  }
  return undefined;
}

export async function computeSizes(suite: Suite, ports: Pick<SuitePorts, 'modelStats'>): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const run of suite.runs) {
    const stats = await ports.modelStats(sizingModelConfig(suite, run), suite.sizing.classes, suite.sizing.inputSize);
    rows.push({ id: run.id, label: run.label, paper: run.paper, ...stats });
  }
  return rows;
}

function selectedRuns(suite: Suite, ids?: readonly string[]): SuiteRunSpec[] {
  return ids === undefined ? suite.runs : suite.runs.filter((r) => ids.includes(r.id));
}

function foldRow(suite: Suite, protocol: string, run: SuiteRunSpec, slot: FoldSlot, config: RunConfig, runDir: string, o: FoldOutcome): Record<string, CsvValue> {
  const flat = Object.fromEntries(Object.entries(o.metrics).map(([k, v]) => [`metric_${k}`, v]));
  return {
    ...flat,
    suite: suite.name,
    protocol,
    run_id: run.id,
    label: run.label,
    repeat: slot.repeat,
    fold: slot.fold,
    config_hash: resultHash(config),
    model: config.model.name,
    width: config.model.width,
    input_size: config.data.inputSize,
    classes: o.numClasses,
    epochs: config.train.epochs,
    batch_size: config.train.batchSize,
    seed: config.seed,
    backend: o.backend,
    device: o.device,
    threads: o.threads,
    machine: o.machine,
    git_commit: o.gitCommit,
    top1_pct: pct(o.top1),
    top5_pct: o.top5 === undefined ? undefined : pct(o.top5),
    val_loss: o.valLoss,
    seconds: Math.round(o.seconds * 10) / 10,
    train_img_per_s: o.imgPerSec === undefined ? undefined : Math.round(o.imgPerSec * 10) / 10,
    // Relative, so committed CSVs do not carry one machine's absolute paths.
    run_dir: path.relative(process.cwd(), runDir),
  };
}

const pct = (fraction: number): number => Math.round(fraction * 1e4) / 100;

class SuiteRun {
  private readonly stateFile: string;
  private readonly state: SuiteState;
  private trainedRuns?: Map<string, string>;

  constructor(
    private readonly suite: Suite,
    private readonly opts: SuiteRunOptions,
    private readonly ports: SuitePorts,
    private readonly summary: SuiteRunSummary,
  ) {
    this.stateFile = path.join(opts.outDir, OUTPUT_FILES.state);
    this.state = readSuiteState(this.stateFile, suite.name, opts.protocol);
  }

  /** Persists the state and refreshes every output, so the tables are current even while a long suite is still running. */
  private async save(): Promise<void> {
    writeSuiteState(this.stateFile, this.state);
    writeRunsCsv(this.opts.outDir, this.suite, this.state);
    await renderTables(this.suite, this.opts.outDir);
  }

  async fold(run: SuiteRunSpec, slot: FoldSlot): Promise<void> {
    const key = foldKey(run.id, slot);
    const resolved = resolveRunConfig(this.suite, run, this.opts.protocol, slot);
    const hash = resultHash(resolved);
    const entry = this.state.folds[key];
    if (entry?.status === 'done' && entry.configHash === hash) {
      this.summary.reused.push(key);
      return;
    }
    const foldDir = foldRunsDir(resolved, this.suite, this.opts.protocol, run.id, slot, this.opts.runsRoot);
    const config: RunConfig = { ...resolved, runtime: { ...resolved.runtime, outDir: foldDir } };
    const shared = entry?.configHash === hash ? undefined : sharedRunDir(foldDir, slot, hash, this.ports.collect) ?? this.adoptable(resolved, hash);
    if (shared !== undefined) this.ports.log(`${this.suite.name}: ${key}: the same config and fold finished in ${shared}: reused`);
    else {
      this.state.folds[key] = { configHash: hash, runDir: foldDir, status: 'running' };
      await this.save();
      this.ports.log(`${this.suite.name}: ${key}: training (${entry?.configHash === hash ? 'resuming' : 'new'}) in ${foldDir}`);
    }
    const runDir = shared ?? await this.ports.trainFold(config);
    const outcome = this.ports.collect(runDir);
    const row = foldRow(this.suite, this.opts.protocol, run, slot, config, runDir, outcome);
    Object.assign(row, this.state.probes[run.id]?.result ?? {});
    this.state.folds[key] = { configHash: hash, runDir, status: 'done', row, curve: outcome.curve };
    (shared === undefined ? this.summary.trained : this.summary.reused).push(key);
    await this.save();
  }

  /** A finished `dresnet train` run of the same config directly under the runs root, if any. */
  private adoptable(config: RunConfig, hash: string): string | undefined {
    this.trainedRuns ??= trainedRunsByHash(path.resolve(this.opts.runsRoot ?? config.runtime.outDir), resultHash);
    const dir = this.trainedRuns.get(hash);
    if (dir === undefined) return undefined;
    try {
      this.ports.collect(dir);
      return dir;
    } catch {
      return undefined; // Not finished: the suite trains its own.
    }
  }

  /**
   * Sizes the model as trained (the protocol's input and the data's classes)
   * and measures its memory and speed, once per (model, input, training setup,
   * runtime); the figures are copied into the run's fold rows.
   */
  async measure(run: SuiteRunSpec, numClasses: number, probe: boolean): Promise<void> {
    const config = resolveRunConfig(this.suite, run, this.opts.protocol);
    const request: ProbeRequest = { model: config.model, numClasses, inputSize: config.data.inputSize, train: config.train, runtime: config.runtime };
    const { outDir, quiet, ...runtime } = request.runtime;
    const { fold, ...train } = request.train;
    const hash = stableHash({ ...request, train, runtime, probe, definitions: MEASURE_DEFINITIONS });
    if (this.state.probes[run.id]?.hash !== hash) {
      const stats = await this.ports.modelStats(config.model, numClasses, config.data.inputSize);
      const sizes = { params: stats.params, total_params: stats.totalParams, size_mb: stats.sizeMB, size_mib: stats.sizeMiB, macs: stats.macs };
      if (probe) this.ports.log(`${this.suite.name}: ${run.id}: measuring memory and latency in a fresh process`);
      this.state.probes[run.id] = { hash, result: { ...sizes, ...(probe ? await this.ports.probe(request) : {}) } };
    }
    const result = this.state.probes[run.id].result;
    for (const [key, entry] of Object.entries(this.state.folds)) {
      if (key.startsWith(`${run.id}/`) && entry.row) Object.assign(entry.row, result);
    }
    await this.save();
  }

  classesOf(run: SuiteRunSpec): number | undefined {
    const done = Object.entries(this.state.folds).find(([k, e]) => k.startsWith(`${run.id}/`) && e.row);
    return done === undefined ? undefined : Number(done[1].row!.classes);
  }
}

/** `dresnet compare` / `dresnet ablate`: train what is missing, then write every output file. */
export async function runSuite(suite: Suite, opts: SuiteRunOptions, ports: SuitePorts): Promise<SuiteRunSummary> {
  const protocol = getProtocol(suite, opts.protocol);
  writeSizesCsv(opts.outDir, await computeSizes(suite, ports));
  const summary: SuiteRunSummary = { trained: [], reused: [] };
  const release = lockSuiteDir(opts.outDir);
  try {
    if (!opts.sizesOnly) await trainAndMeasure(suite, protocol, opts, ports, summary);
    await renderTables(suite, opts.outDir);
  } finally {
    release();
  }
  return summary;
}

async function trainAndMeasure(suite: Suite, protocol: Protocol, opts: SuiteRunOptions, ports: SuitePorts, summary: SuiteRunSummary): Promise<void> {
  const runner = new SuiteRun(suite, opts, ports, summary);
  const slots = protocolSlots(protocol, opts.folds ?? protocolFolds(protocol));
  for (const run of selectedRuns(suite, opts.runs)) {
    for (const slot of slots) await runner.fold(run, slot);
    const classes = runner.classesOf(run);
    if (classes !== undefined) await runner.measure(run, classes, opts.probe !== false);
  }
}
