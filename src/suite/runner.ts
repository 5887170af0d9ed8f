/**
 * Runs a suite: for every run × fold, reuse a finished result, resume an
 * interrupted one, or train it, up to `concurrency` fold-runs at once; then
 * measure each model once (memory, latency, alone on the machine); then write
 * the CSVs and regenerate the tables. The trainer (in this process, in child
 * processes or on a queue's workers), the model statistics and the probe come
 * in as ports so the bookkeeping is testable without training anything.
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
import { PruneMethod, PrunePlan, readPruning } from '../prune';
import { trainedRunsByHash } from './adopt';
import { FoldSlot, getProtocol, getRun, protocolFolds, protocolSlots, resolveRunConfig, sizingModelConfig, Suite } from './load';
import { OUTPUT_FILES, readSizes, renderTables, writeRunsCsv, writeSizesCsv } from './outputs';
import { Protocol, SuiteRunSpec } from './schema';
import { CurvePoint, foldKey, lockSuiteDir, parseFoldKey, repeatPart, readSuiteState, stableHash, SuiteState, writeSuiteState } from './state';
import { isUserError, UserError } from '../util/errors';

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
  /** A pruned run's plan, applied to `model` as built. */
  plan?: PrunePlan;
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

/**
 * What a pruned fold-run prunes: its parent's fold-run of the same repeat and
 * fold, at PRUNED_CHECKPOINT, fine-tuned under the fold-run's own config.
 */
export interface PruneTask {
  parentRunDir: string;
  ratio: number;
  method: PruneMethod;
  checkpoint: typeof PRUNED_CHECKPOINT;
}

/**
 * The parent's checkpoint a pruned fold-run starts from: last/, because best/
 * is the epoch picked on the very validation fold the pruned row is then
 * scored on, a selection that would flatter it.
 */
export const PRUNED_CHECKPOINT = 'last';

/** One fold-run as the ports see it: labels for progress and errors, and what a queue job's id and folder derive from. */
export interface FoldTask {
  suite: string;
  protocol: string;
  /** The state key (foldKey). */
  key: string;
  runId: string;
  slot: FoldSlot;
  configHash: string;
  /** The fold-run's folder relative to the runs root (a queue worker puts it under its own checkpoints folder). */
  foldPath: string;
  /** Set for a pruned run's fold-run: train it by pruning and fine-tuning this. */
  prune?: PruneTask;
}

/** The start of the run folder a queue job stands for when its worker kept none (no --checkpoints): `queue:<job id>`. */
export const QUEUE_RUN_PREFIX = 'queue:';

/** A trained fold-run: where its run folder is and what it measured. */
export interface TrainedFold {
  runDir: string;
  outcome: FoldOutcome;
}

export interface SuitePorts {
  /**
   * Trains one fold into a run folder under config.runtime.outDir, resuming the run already there if any.
   * Calls may overlap (SuiteRunOptions.concurrency), each with its own config and folder.
   */
  trainFold(config: RunConfig, task: FoldTask): Promise<TrainedFold>;
  /** Reads a finished run folder. */
  collect(runDir: string): FoldOutcome;
  /** The sizes of `model` as built, or with `plan` applied (a pruned run's). */
  modelStats(model: RunConfig['model'], numClasses: number, inputSize: number, plan?: PrunePlan): Promise<ModelStats>;
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
  /** Train nothing: collect the fold-runs finished here or elsewhere, measure (probe) their runs and write the tables (re-measuring needs no training). */
  measureOnly?: boolean;
  /** false: skip the memory/latency probe (sizes are still computed). */
  probe?: boolean;
  /** Fold-runs trained at once (default 1): the ports must then train each call in its own process. */
  concurrency?: number;
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
  const defaults = hashDefaultsOf(model.name);
  return stableHash({
    ...withoutDefaults({ ...rest, runtime }, defaults.run),
    model: { name: model.name, ...withoutDefaults(model, defaults.family) },
  });
}

interface HashDefaults {
  /** The whole config's defaults for the model. */
  run: Record<string, unknown>;
  /** The model section's: the config's, then the family's own. */
  family: Record<string, unknown>;
}

/**
 * Per model name: building the defaults validates a whole config, and a suite
 * hashes every fold-run several times. Models register once and for good, and
 * withoutDefaults only reads them, so a name's defaults never go stale.
 */
const hashDefaults = new Map<string, HashDefaults>();

function hashDefaultsOf(modelName: string): HashDefaults {
  let defaults = hashDefaults.get(modelName);
  if (defaults === undefined) {
    const run = defaultRunConfig([`model.name=${JSON.stringify(modelName)}`]);
    defaults = {
      run: run as unknown as Record<string, unknown>,
      family: { ...run.model, ...getModelDefinition(modelName).defaults, name: undefined },
    };
    hashDefaults.set(modelName, defaults);
  }
  return defaults;
}

/**
 * The hash a fold-run is keyed by: its config's resultHash, and for a pruned
 * run also its parent fold-run's hash and the pruning, so a retrained parent
 * retrains the pruned row.
 */
export function foldRunHash(suite: Suite, run: SuiteRunSpec, protocol: string, slot: FoldSlot): string {
  const own = resultHash(resolveRunConfig(suite, run, protocol, slot));
  if (run.prune === undefined) return own;
  const { from, ratio, method } = run.prune;
  return stableHash({ finetune: own, parent: foldRunHash(suite, getRun(suite, from), protocol, slot), prune: { ratio, method, checkpoint: PRUNED_CHECKPOINT } });
}

/** Where a fold-run's run folder lives: one folder per fold-run hash, so a changed config never resumes a stale run. */
export function foldRunsDir(config: RunConfig, hash: string, suite: Suite, protocol: string, runId: string, slot: FoldSlot, runsRoot?: string): string {
  return path.join(runsRoot ?? config.runtime.outDir, foldRunPath(suite.name, protocol, runId, slot, hash));
}

/** A fold-run's folder below the runs root. */
export function foldRunPath(suite: string, protocol: string, runId: string, slot: FoldSlot, hash: string): string {
  return path.join('suites', suite, protocol, `${runId}${foldDirSuffix(slot, hash)}`);
}

/** The part of a fold-run's folder name shared by every suite that trains the same config (the run id before it differs). */
const foldDirSuffix = (slot: FoldSlot, hash: string): string => `-${repeatPart(slot.repeat, '-')}fold${slot.fold}-${hash}`;

/**
 * The run folder of a finished fold with the same config under another suite
 * or protocol (Table 3 and Table 4 both train DResNet under one protocol; the
 * grouping suite's cv5 is quick's first repeat), so it is reused rather than
 * trained twice. The hash in the folder name holds the whole config, so the
 * protocol's name does not matter.
 */
function sharedRunDir(foldDir: string, slot: FoldSlot, hash: string, collect: SuitePorts['collect']): string | undefined {
  const protocolDir = path.dirname(foldDir);
  const suitesDir = path.dirname(path.dirname(protocolDir));
  const suffix = foldDirSuffix(slot, hash);
  for (const dir of subfolders(suitesDir).flatMap(subfolders)) {
    if (dir === protocolDir) continue;
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

/** The folders directly inside dir, sorted; none when it does not exist. */
function subfolders(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)).sort();
}

/**
 * The deterministic columns of every run at the suite's sizing. A pruned run's
 * plan depends on its parent's trained weights: its row is its first finished
 * fold-run's plan (in protocol order) applied to the parent's model at the
 * sizing, and is left out until one has finished.
 */
export async function computeSizes(suite: Suite, ports: Pick<SuitePorts, 'modelStats'>, state?: SuiteState, recorded: readonly SizeRow[] = []): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const run of suite.runs) {
    const row = await sizeRow(suite, run, ports, state, recorded);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

/** A pruned run without a readable plan keeps the row sizes.csv recorded for it (the state of a fresh clone has no run folders). */
async function sizeRow(suite: Suite, run: SuiteRunSpec, ports: Pick<SuitePorts, 'modelStats'>, state?: SuiteState, recorded: readonly SizeRow[] = []): Promise<SizeRow | undefined> {
  const plan = run.prune === undefined ? undefined : state && firstPlan(suite, run, state);
  if (run.prune !== undefined && plan === undefined) return recorded.find((r) => r.id === run.id);
  const stats = await ports.modelStats(sizingModelConfig(suite, run), suite.sizing.classes, suite.sizing.inputSize, plan);
  return { id: run.id, label: run.label, paper: run.paper, ...stats };
}

/** The pruning plan of a pruned run's first finished fold-run, in protocol order (l1 keeps the same channel counts in every fold; slim's may differ). */
function firstPlan(suite: Suite, run: SuiteRunSpec, state: SuiteState): PrunePlan | undefined {
  const protocol = suite.protocols[state.protocol];
  const entry = protocol && protocolSlots(protocol).map((slot) => state.folds[foldKey(run.id, slot)]).find((e) => e?.status === 'done');
  return entry && fs.existsSync(entry.runDir) ? readPruning(entry.runDir).plan : undefined;
}

/** The sizes a previous run of the suite wrote, if they still fit the suite (else they are rewritten anyway). */
function recordedSizes(dir: string, suite: Suite): SizeRow[] {
  if (!fs.existsSync(path.join(dir, OUTPUT_FILES.sizes))) return [];
  try {
    return readSizes(dir, suite);
  } catch (err) {
    // readSizes names a run it has no row for; anything else (a damaged file, a bug) is not the suite having changed.
    if (!isUserError(err)) throw err;
    return [];
  }
}

/** The runs asked for, with the parents of pruned ones (they must be trained first), in suite order. */
function selectedRuns(suite: Suite, ids?: readonly string[]): SuiteRunSpec[] {
  if (ids === undefined) return suite.runs;
  const wanted = new Set<string>();
  const add = (id: string): void => {
    wanted.add(id);
    const from = getRun(suite, id).prune?.from;
    if (from !== undefined) add(from);
  };
  ids.forEach(add);
  return suite.runs.filter((r) => wanted.has(r.id));
}

function foldRow(suite: Suite, protocol: string, run: SuiteRunSpec, slot: FoldSlot, config: RunConfig, hash: string, runDir: string, o: FoldOutcome): Record<string, CsvValue> {
  const flat = Object.fromEntries(Object.entries(o.metrics).map(([k, v]) => [`metric_${k}`, v]));
  return {
    ...flat,
    suite: suite.name,
    protocol,
    run_id: run.id,
    label: run.label,
    repeat: slot.repeat,
    fold: slot.fold,
    config_hash: hash,
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

/** A fold-run stopped mid-training by an interruption (Ctrl-C): its checkpoint stays, and the next run of the suite resumes it. */
export class FoldRunInterrupted extends Error {}

/** A fold-run that an interruption kept from starting. */
export class FoldRunNotStarted extends Error {}

/** How a fold-run that did not finish ended: an interruption is no failure to retry, only work to resume. */
export type FoldStopKind = 'failed' | 'interrupted' | 'not started';

export interface FoldStop {
  task: FoldTask;
  kind: FoldStopKind;
  message: string;
}

function stopKindOf(err: unknown): FoldStopKind {
  if (err instanceof FoldRunInterrupted) return 'interrupted';
  return err instanceof FoldRunNotStarted ? 'not started' : 'failed';
}

/**
 * The fold-runs that did not finish while the others went on. Failures get one
 * clear line each, so the suite can be run again to retry them; after an
 * interruption, the not-started fold-runs (most of a long suite) are a count,
 * not a list.
 */
export class FoldRunsUnfinished extends UserError {
  constructor(suite: string, total: number, readonly stops: readonly FoldStop[]) {
    super(stops.some((s) => s.kind !== 'failed') ? interruptedSummary(suite, total, stops) : failedSummary(suite, total, stops));
  }
}

function failedSummary(suite: string, total: number, failures: readonly FoldStop[]): string {
  return `${suite}: ${failures.length} of ${total} fold-run(s) failed (the others finished; run the command again to retry the failed ones): `
    + failures.map((f) => `${describeTask(f.task)}: ${f.message}`).join('; ');
}

function interruptedSummary(suite: string, total: number, stops: readonly FoldStop[]): string {
  const of = (kind: FoldStopKind): FoldStop[] => stops.filter((s) => s.kind === kind);
  const [interrupted, notStarted, failed] = [of('interrupted'), of('not started'), of('failed')];
  return [
    `${suite}: interrupted: ${total - stops.length} of ${total} fold-run(s) finished, ${interrupted.length} interrupted mid-training, `
      + `${notStarted.length} not started${failed.length > 0 ? `, ${failed.length} failed` : ''}; run the command again to resume`,
    ...interrupted.map((s) => `  interrupted (resumes from its checkpoint): ${describeTask(s.task)}`),
    ...failed.map((s) => `  failed: ${describeTask(s.task)}: ${s.message}`),
  ].join('\n');
}

const describeTask = (t: FoldTask): string => `${t.key} (run ${t.runId}, repeat ${t.slot.repeat}, fold ${t.slot.fold})`;

/** Runs `work` on every item in list order, at most `limit` at once; `work` must not reject. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

class SuiteRun {
  private readonly stateFile: string;
  private readonly state: SuiteState;
  /** Every fold-run started, settled once it has finished or failed. */
  private readonly started = new Map<string, Promise<void>>();
  private trainedRuns?: Map<string, string>;
  /** The last save in progress: overlapping fold-runs write the outputs one after another. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly suite: Suite,
    private readonly opts: SuiteRunOptions,
    private readonly ports: SuitePorts,
    private readonly summary: SuiteRunSummary,
    /** sizes.csv's rows as written. */
    private sizes: SizeRow[],
  ) {
    this.stateFile = path.join(opts.outDir, OUTPUT_FILES.state);
    this.state = readSuiteState(this.stateFile, suite.name, opts.protocol);
    this.dropStaleFoldRuns();
  }

  /**
   * Forgets fold-runs finished under another config than the suite's now (a
   * changed protocol, say): they are trained again, and until then the tables
   * must not mix them with the current ones.
   */
  private dropStaleFoldRuns(): void {
    for (const [key, entry] of Object.entries(this.state.folds)) {
      const slot = parseFoldKey(key);
      const run = slot && this.suite.runs.find((r) => r.id === slot.runId);
      if (!slot || !run) continue;
      if (foldRunHash(this.suite, run, this.opts.protocol, slot) !== entry.configHash) delete this.state.folds[key];
    }
  }

  /** Persists the state and refreshes every output, so the tables are current even while a long suite is still running. */
  private save(): Promise<void> {
    const next = this.saving.then(async () => {
      writeSuiteState(this.stateFile, this.state);
      writeRunsCsv(this.opts.outDir, this.suite, this.state);
      await renderTables(this.suite, this.opts.outDir);
    });
    this.saving = next.catch(() => {});
    return next;
  }

  /** Trains (or reuses) one fold-run; one that does not finish is logged and returned, so the other fold-runs go on. */
  async tryFold(run: SuiteRunSpec, slot: FoldSlot): Promise<FoldStop | undefined> {
    const done = this.fold(run, slot);
    // Set before the first await: a pruned fold-run listed later finds its parent's here.
    this.started.set(foldKey(run.id, slot), done.catch(() => {}));
    try {
      await done;
      return undefined;
    } catch (err) {
      const task = this.task(run, slot, foldRunHash(this.suite, run, this.opts.protocol, slot));
      const message = err instanceof Error ? err.message : String(err);
      const kind = stopKindOf(err);
      // Not-started fold-runs are counted in the summary: a line each would bury the interrupted ones.
      if (kind !== 'not started') this.ports.log(`${this.suite.name}: ${describeTask(task)} ${kind}: ${message}`);
      return { task, kind, message };
    }
  }

  private task(run: SuiteRunSpec, slot: FoldSlot, configHash: string, prune?: PruneTask): FoldTask {
    return {
      suite: this.suite.name,
      protocol: this.opts.protocol,
      key: foldKey(run.id, slot),
      runId: run.id,
      slot,
      configHash,
      foldPath: foldRunPath(this.suite.name, this.opts.protocol, run.id, slot, configHash),
      prune,
    };
  }

  private async fold(run: SuiteRunSpec, slot: FoldSlot): Promise<void> {
    const key = foldKey(run.id, slot);
    const resolved = resolveRunConfig(this.suite, run, this.opts.protocol, slot);
    const hash = foldRunHash(this.suite, run, this.opts.protocol, slot);
    const finished = this.state.folds[key];
    const reusable = finished?.status === 'done' && finished.configHash === hash;
    if (reusable && !this.checkpointMissing(run, slot, finished.runDir)) {
      this.summary.reused.push(key);
      return;
    }
    if (reusable) {
      this.ports.log(`${this.suite.name}: ${key}: finished, but its run folder ${finished.runDir} is gone (results/ came without runs/) ` +
        `and the pruned run(s) that prune it need its ${PRUNED_CHECKPOINT}/ checkpoint: training it again`);
    }
    const entry = reusable ? undefined : finished;
    const foldDir = foldRunsDir(resolved, hash, this.suite, this.opts.protocol, run.id, slot, this.opts.runsRoot);
    const config: RunConfig = { ...resolved, runtime: { ...resolved.runtime, outDir: foldDir } };
    // A pruned fold-run's hash is no train run's resultHash: only another suite's same fold-run can stand for it.
    const shared = entry?.configHash === hash ? undefined : sharedRunDir(foldDir, slot, hash, this.ports.collect) ?? (run.prune ? undefined : this.adoptable(resolved, hash));
    // --measure-only trains nothing, but a fold-run finished elsewhere (another suite, a train run) is still collected.
    if (shared === undefined && this.opts.measureOnly) return;
    const prune = run.prune === undefined || shared !== undefined ? undefined : await this.pruneTask(run, slot);
    if (shared !== undefined) this.ports.log(`${this.suite.name}: ${key}: the same config and fold finished in ${shared}: reused`);
    else {
      this.state.folds[key] = { configHash: hash, runDir: foldDir, status: 'running' };
      await this.save();
      this.ports.log(`${this.suite.name}: ${key}: training (${entry?.configHash === hash ? 'resuming' : 'new'}) in ${foldDir}`);
    }
    const { runDir, outcome } = shared !== undefined
      ? { runDir: shared, outcome: this.ports.collect(shared) }
      : await this.ports.trainFold(config, this.task(run, slot, hash, prune));
    const row = foldRow(this.suite, this.opts.protocol, run, slot, config, hash, runDir, outcome);
    Object.assign(row, this.state.probes[run.id]?.result ?? {});
    this.state.folds[key] = { configHash: hash, runDir, status: 'done', row, curve: outcome.curve };
    (shared === undefined ? this.summary.trained : this.summary.reused).push(key);
    if (run.prune !== undefined) await this.resize(run);
    await this.save();
  }

  /**
   * Whether a finished fold-run must train again because pruned runs still to
   * train on its slot prune its checkpoint, and its run folder (a clone has
   * results/ and state.json, not runs/) no longer holds one. --measure-only
   * trains nothing, so never there.
   */
  private checkpointMissing(run: SuiteRunSpec, slot: FoldSlot, runDir: string): boolean {
    if (this.opts.measureOnly || runDir.startsWith(QUEUE_RUN_PREFIX) || fs.existsSync(path.join(runDir, PRUNED_CHECKPOINT))) return false;
    return selectedRuns(this.suite, this.opts.runs).some((child) => {
      if (child.prune?.from !== run.id) return false;
      const done = this.state.folds[foldKey(child.id, slot)];
      return !(done?.status === 'done' && done.configHash === foldRunHash(this.suite, child, this.opts.protocol, slot));
    });
  }

  /** Waits for the parent's fold-run of the same slot; it must have finished under its current hash. */
  private async pruneTask(run: SuiteRunSpec, slot: FoldSlot): Promise<PruneTask> {
    const { from, ratio, method } = run.prune!;
    const key = foldKey(from, slot);
    await this.started.get(key);
    const entry = this.state.folds[key];
    if (entry?.status !== 'done' || entry.configHash !== foldRunHash(this.suite, getRun(this.suite, from), this.opts.protocol, slot)) {
      throw new UserError(`its parent fold-run ${key} has not finished (it failed, or was not trained in this run of the suite)`);
    }
    if (entry.runDir.startsWith(QUEUE_RUN_PREFIX)) {
      throw new UserError(`its parent fold-run ${key} trained on a queue worker that kept no run folder: pruning reads the parent's checkpoint, so start the workers with one shared --checkpoints folder`);
    }
    return { parentRunDir: path.resolve(entry.runDir), ratio, method, checkpoint: PRUNED_CHECKPOINT };
  }

  /** Rewrites sizes.csv once a pruned fold-run has finished: its run's row comes from a finished fold-run's plan. */
  private async resize(run: SuiteRunSpec): Promise<void> {
    const row = (await sizeRow(this.suite, run, this.ports, this.state))!;
    const byId = new Map([...this.sizes.map((r) => [r.id, r] as const), [run.id, row]]);
    this.sizes = this.suite.runs.flatMap((r) => byId.get(r.id) ?? []);
    writeSizesCsv(this.opts.outDir, this.sizes);
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
    const plan = run.prune === undefined ? undefined : firstPlan(this.suite, run, this.state);
    const request: ProbeRequest = { model: config.model, plan, numClasses, inputSize: config.data.inputSize, train: config.train, runtime: config.runtime };
    const { outDir, quiet, ...runtime } = request.runtime;
    const { fold, ...train } = request.train;
    const hashOf = (probed: boolean): string => stableHash({ ...request, train, runtime, probe: probed, definitions: MEASURE_DEFINITIONS });
    const hash = hashOf(probe);
    const previous = this.state.probes[run.id];
    // A probe of this very model and setup outlives a run without one: long suites train with --no-probe and are probed once at the end.
    const keepProbed = !probe && previous?.hash === hashOf(true);
    if (previous?.hash !== hash && !keepProbed) {
      const stats = await this.ports.modelStats(config.model, numClasses, config.data.inputSize, plan);
      const sizes = { params: stats.params, total_params: stats.totalParams, size_mb: stats.sizeMB, size_mib: stats.sizeMiB, macs: stats.macs };
      if (probe) this.ports.log(`${this.suite.name}: ${run.id}: measuring memory and latency in a fresh process`);
      this.state.probes[run.id] = { hash, result: { ...sizes, ...(probe ? await this.ports.probe(request) : {}) } };
    }
    const result = this.state.probes[run.id].result;
    for (const [key, entry] of Object.entries(this.state.folds)) {
      if (!key.startsWith(`${run.id}/`) || !entry.row) continue;
      // A measurement taken under other definitions or another setup must not linger in the rows.
      for (const field of Object.keys(previous?.result ?? {})) delete entry.row[field];
      Object.assign(entry.row, result);
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
  // Pruned rows are sized from their finished fold-runs' plans.
  const state = suite.runs.some((r) => r.prune) ? readSuiteState(path.join(opts.outDir, OUTPUT_FILES.state), suite.name, opts.protocol) : undefined;
  const sizes = await computeSizes(suite, ports, state, state ? recordedSizes(opts.outDir, suite) : []);
  writeSizesCsv(opts.outDir, sizes);
  const summary: SuiteRunSummary = { trained: [], reused: [] };
  const release = lockSuiteDir(opts.outDir);
  try {
    if (!opts.sizesOnly) await trainAndMeasure(suite, protocol, opts, ports, summary, sizes);
    await renderTables(suite, opts.outDir);
  } finally {
    release();
  }
  return summary;
}

/**
 * Trains the fold-runs (up to opts.concurrency at once), then measures each
 * run's model one after another, so no measurement shares the machine with
 * training. A failed fold-run does not stop the others; the ones that did
 * not finish (failed, interrupted, not started) are reported together at the end.
 */
async function trainAndMeasure(suite: Suite, protocol: Protocol, opts: SuiteRunOptions, ports: SuitePorts, summary: SuiteRunSummary, sizes: SizeRow[]): Promise<void> {
  const runner = new SuiteRun(suite, opts, ports, summary, sizes);
  const slots = protocolSlots(protocol, opts.folds ?? protocolFolds(protocol));
  const runs = selectedRuns(suite, opts.runs);
  const tasks = runs.flatMap((run) => slots.map((slot) => ({ run, slot })));
  const outcomes: (FoldStop | undefined)[] = [];
  // Fold-runs start in list order, run by run, and a pruned run is listed after its parent: a pruned fold-run
  // that waits holds its lane only while its parent's, started before it, trains (never a deadlock).
  await forEachLimited(tasks.map((t, i) => ({ ...t, i })), opts.concurrency ?? 1, async ({ run, slot, i }) => {
    outcomes[i] = await runner.tryFold(run, slot);
  });
  const stops = outcomes.filter((f) => f !== undefined);
  for (const run of runs) {
    const classes = runner.classesOf(run);
    if (classes !== undefined) await runner.measure(run, classes, opts.probe !== false);
  }
  if (stops.length > 0) throw new FoldRunsUnfinished(suite.name, tasks.length, stops);
}
