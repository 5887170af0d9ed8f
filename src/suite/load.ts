import * as path from 'node:path';
import { checkSafeName, checkSuiteNames } from '../util/safe-names';
import { UserError } from '../util/errors';
import { Assignment, defaultRunConfig, loadRunConfig, readYamlFile } from '../config/load';
import { RunConfig } from '../config/run-config';
import { closest, SchemaError } from '../config/schema';
import { PAPER_ROW_KEYS } from '../report/paper';
import { checkRatio, finetuneSettings } from '../prune';
import { Protocol, protocolsSchema, SuiteRunSpec, SuiteSpec, suiteSchema } from './schema';

/** A validated suite: the spec plus where it came from (run configs are relative to it). */
export interface Suite extends SuiteSpec {
  file: string;
}

/** Reads and validates a suite file; every run is resolved under every protocol so errors surface before any training. */
export function loadSuite(file: string): Suite {
  const spec = parseOrExplain(file, () => suiteSchema.parse(readYamlFile(file), ''));
  const shared = spec.protocolFile === undefined ? {} : readProtocolFile(path.resolve(path.dirname(file), spec.protocolFile));
  // A suite's own protocols win over shared ones of the same name.
  const suite: Suite = { ...spec, protocols: { ...shared, ...spec.protocols }, file: path.resolve(file) };
  checkSuiteNames(suite);
  for (const protocol of Object.keys(suite.protocols)) checkSafeName(protocol, `${suite.file}: protocols.${protocol}`);
  checkRuns(suite);
  for (const protocol of Object.keys(suite.protocols)) {
    for (const run of suite.runs) resolveRunConfig(suite, run, protocol);
  }
  return suite;
}

function parseOrExplain<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SchemaError) throw new UserError(`${file}: ${err.message}`);
    throw err;
  }
}

function readProtocolFile(file: string): Record<string, Protocol> {
  return parseOrExplain(file, () => protocolsSchema.parse(readYamlFile(file), ''));
}

function checkRuns(suite: Suite): void {
  const where = suite.file;
  if (suite.runs.length === 0) throw new UserError(`${where}: runs: the suite lists no runs`);
  if (Object.keys(suite.protocols).length === 0) throw new UserError(`${where}: protocols: the suite defines no protocol`);
  const ids = suite.runs.map((r) => r.id);
  ids.forEach((id, i) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new UserError(`${where}: runs[${i}].id: "${id}" may only use letters, digits, '.', '_' and '-'`);
    if (ids.indexOf(id) !== i) throw new UserError(`${where}: runs[${i}].id: "${id}" is used twice`);
  });
  if (suite.reference !== undefined && !ids.includes(suite.reference)) {
    throw new UserError(`${where}: reference: no run has id "${suite.reference}"${hint(suite.reference, ids)}; ids: ${ids.join(', ')}`);
  }
  if (suite.layout === 'ablation' && suite.reference === undefined) {
    throw new UserError(`${where}: reference: an ablation suite needs the id of its baseline run`);
  }
  for (const [name, protocol] of Object.entries(suite.protocols)) {
    if (protocol.trainFolds !== undefined && protocol.trainFolds > protocol.folds) {
      throw new UserError(`${where}: protocols.${name}.trainFolds: ${protocol.trainFolds} is more than the split's ${protocol.folds} folds`);
    }
  }
  suite.claims.forEach((c, i) => {
    for (const side of ['a', 'b'] as const) {
      if (!ids.includes(c[side])) throw new UserError(`${where}: claims[${i}].${side}: no run has id "${c[side]}"${hint(c[side], ids)}; ids: ${ids.join(', ')}`);
    }
    const needsMargin = c.rule === 'equivalent' || c.rule === 'noninferior';
    if (needsMargin && c.margin === undefined) throw new UserError(`${where}: claims[${i}].margin: a ${c.rule} claim needs a margin in percentage points`);
    if (!needsMargin && c.margin !== undefined) throw new UserError(`${where}: claims[${i}].margin: a ${c.rule} claim takes no margin (only equivalent and noninferior do)`);
  });
  suite.runs.forEach((run, i) => checkPrunedRun(suite, run, i));
  const paperKeys = PAPER_ROW_KEYS[suite.layout];
  suite.runs.forEach((run, i) => {
    if (run.paper !== undefined && !paperKeys.includes(run.paper)) {
      if (suite.layout === 'custom') throw new UserError(`${where}: runs[${i}].paper: a custom suite has no paper rows; remove the key or use layout table3, table4 or ablation`);
      throw new UserError(`${where}: runs[${i}].paper: "${run.paper}" is not a row of the paper's ${suite.layout}${hint(run.paper, paperKeys)}; rows: ${paperKeys.join(', ')}`);
    }
  });
}

/** A pruned run's parent is listed before it (so its fold-runs are started first), and its model is the parent's. */
function checkPrunedRun(suite: Suite, run: SuiteRunSpec, i: number): void {
  if (run.prune === undefined) return;
  const where = `${suite.file}: runs[${i}]`;
  const earlier = suite.runs.slice(0, i).map((r) => r.id);
  if (!earlier.includes(run.prune.from)) {
    const listed = suite.runs.some((r) => r.id === run.prune!.from);
    throw new UserError(`${where}.prune.from: "${run.prune.from}" ${listed ? 'is not listed before this run' : `is no run of the suite${hint(run.prune.from, earlier)}`}; a pruned run names a run listed before it`);
  }
  try {
    checkRatio(run.prune.ratio);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${where}.prune.ratio: ${run.prune.ratio}: expected a share of channels to remove, >= 0 and < 1`);
    throw err;
  }
  if (run.config !== undefined) throw new UserError(`${where}.config: a pruned run's config is its parent's; set only fine-tuning keys (train.*, runtime.*)`);
  const modelKey = Object.keys(run.set).find((k) => k.startsWith('model.') || k.startsWith('data.'));
  if (modelKey !== undefined) throw new UserError(`${where}.set.${modelKey}: a pruned run's model and data are its parent's, pruned; set only fine-tuning keys (train.*, runtime.*)`);
}

function hint(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near ? ` (did you mean "${near}"?)` : '';
}

export function getProtocol(suite: Suite, name: string): Protocol {
  const protocol = suite.protocols[name];
  if (!protocol) {
    const names = Object.keys(suite.protocols);
    throw new UserError(`${suite.file}: no protocol "${name}"${hint(name, names)}; protocols: ${names.join(', ')}`);
  }
  return protocol;
}

/** One fold-run of a suite run: fold `fold` of the split drawn for repeat `repeat` (seed + repeat). */
export interface FoldSlot {
  repeat: number;
  fold: number;
}

/** The folds a protocol trains and reports: the first trainFolds of its split, or all of them. */
export function protocolFolds(protocol: Protocol): number[] {
  return Array.from({ length: protocol.trainFolds ?? protocol.folds }, (_, i) => i);
}

/** Every fold-run a protocol trains and reports: each repeat's folds, repeat by repeat. */
export function protocolSlots(protocol: Protocol, folds: readonly number[] = protocolFolds(protocol)): FoldSlot[] {
  return Array.from({ length: protocol.repeats }, (_, repeat) => folds.map((fold) => ({ repeat, fold }))).flat();
}

export function getRun(suite: Suite, id: string): SuiteRunSpec {
  const run = suite.runs.find((r) => r.id === id);
  if (!run) throw new UserError(`${suite.file}: no run "${id}"${hint(id, suite.runs.map((r) => r.id))}`);
  return run;
}

/** Dotted keys and their values as run-config overrides, each naming `source` in errors. */
function toAssignments(record: Record<string, unknown>, source: string): Assignment[] {
  return Object.entries(record).map(([keyPath, value]) => ({ keyPath, value, source }));
}

/** The run-config overrides one protocol stands for (`name`: the protocol's, for errors). */
export function protocolAssignments(protocol: Protocol, name: string): Assignment[] {
  const own = {
    'data.source': protocol.dataset,
    'data.task': protocol.task,
    'data.split.type': 'kfold',
    'data.split.folds': protocol.folds,
    'data.inputSize': protocol.inputSize,
    'train.epochs': protocol.epochs,
    'train.batchSize': protocol.batchSize,
    seed: protocol.seed,
    'runtime.backend': protocol.backend,
    'runtime.device': protocol.device,
    'runtime.threads': protocol.threads,
  };
  return [...toAssignments(own, `protocols.${name}`), ...toAssignments(protocol.set, `protocols.${name}.set`)];
}

/** A run's own `set:`. */
const runAssignments = (run: SuiteRunSpec): Assignment[] => toAssignments(run.set, 'set');

/** The unpruned run at the root of a pruned run's parents: its config file and model are the pruned run's. */
function rootRun(suite: Suite, run: SuiteRunSpec): SuiteRunSpec {
  return run.prune === undefined ? run : rootRun(suite, getRun(suite, run.prune.from));
}

/** A run's `set:`, after its parent's and the fine-tuning settings for a pruned run (`epochs`: the protocol's, the default fine-tuning). */
function lineageAssignments(suite: Suite, run: SuiteRunSpec, epochs: number): Assignment[] {
  if (run.prune === undefined) return runAssignments(run);
  const finetune = finetuneSettings(run.prune.finetuneEpochs ?? epochs);
  return [...lineageAssignments(suite, getRun(suite, run.prune.from), epochs), ...toAssignments(finetune, 'prune'), ...runAssignments(run)];
}

function resolve(suite: Suite, run: SuiteRunSpec, assignments: Assignment[]): RunConfig {
  const all = [{ keyPath: 'name', value: `${suite.name}-${run.id}`, source: 'the suite' }, ...assignments];
  const configFile = rootRun(suite, run).config;
  try {
    return configFile === undefined
      ? defaultRunConfig(all)
      : loadRunConfig(path.resolve(path.dirname(suite.file), configFile), all);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${suite.file}: run "${run.id}": ${err.message}`);
    throw err;
  }
}

/**
 * The run config of one run under one protocol: the run's config file (or the
 * defaults), then the protocol, then the run's own `set:` (a run's switch wins
 * over the protocol), then the fold-run: its fold, and for a repeat r the seed
 * + r, which draws that repeat's split (and the run's initial weights). A
 * pruned run's is its parent's, then the fine-tuning settings, then its own
 * `set:` (the fine-tuning config the pruned model trains under).
 */
export function resolveRunConfig(suite: Suite, run: SuiteRunSpec, protocolName: string, slot?: FoldSlot): RunConfig {
  const protocol = getProtocol(suite, protocolName);
  const foldSet = slot === undefined ? {} : { 'train.fold': slot.fold, seed: protocol.seed + slot.repeat };
  return resolve(suite, run, [...protocolAssignments(protocol, protocolName), ...lineageAssignments(suite, run, protocol.epochs), ...toAssignments(foldSet, 'the fold-run')]);
}

/**
 * The model config a run's deterministic columns are computed from: the run's model at the suite's sizing, whatever the protocol
 * (a pruned run's: its root's, which the plan of a trained fold-run then prunes).
 */
export function sizingModelConfig(suite: Suite, run: SuiteRunSpec): RunConfig['model'] {
  const root = rootRun(suite, run);
  return resolve(suite, root, runAssignments(root)).model;
}
