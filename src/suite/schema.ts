import * as s from '../config/schema';
import { dataSchema, runConfigSchema, runtimeSchema, trainSchema } from '../config/run-config';

/**
 * A value for a dotted run-config override in a suite file (`set:`). Any YAML
 * scalar or list passes here; the run-config schema checks it once merged,
 * so errors name the real key and the expected type.
 */
const overrideValue: s.Node<unknown> = {
  kind: 'override',
  expected: 'a scalar or a list',
  hasDefault: false,
  parse(value, path) {
    if (s.isPlainObject(value)) {
      throw new s.SchemaError(path, 'expected a scalar or a list (write nested keys dotted, e.g. train.loss.type: focal)');
    }
    return value;
  },
};

const overrides = s.record(overrideValue, { default: {} });

/**
 * How every run of a suite is trained: data, folds, input size, schedule
 * length, seed. Each key is the run config's own node (its values and bounds),
 * with a suite's defaults where they differ: Herlev's 7 classes, and epochs
 * always spelled out.
 */
export const protocolSchema = s.object({
  description: s.optional(s.string()),
  dataset: s.withDefault(dataSchema.fields.source, 'herlev'),
  task: s.withDefault(dataSchema.fields.task, 'herlev7'),
  folds: dataSchema.fields.split.fields.folds,
  repeats: s.integer({
    default: 1,
    min: 1,
    doc: 'R: the k-fold split is drawn R times, from seeds seed, seed+1, ...; every run of the suite trains on the same R x k folds (paired by construction)',
  }),
  trainFolds: s.optional(s.integer({ min: 1, doc: "train and report only folds 0..n-1 of the split (a protocol's time budget); default: every fold" })),
  inputSize: dataSchema.fields.inputSize,
  epochs: s.required(trainSchema.fields.epochs),
  batchSize: trainSchema.fields.batchSize,
  seed: runConfigSchema.fields.seed,
  backend: runtimeSchema.fields.backend,
  device: runtimeSchema.fields.device,
  threads: runtimeSchema.fields.threads,
  set: overrides,
});

export const protocolsSchema = s.record(protocolSchema);

/** A run that prunes another run's trained fold-runs and fine-tunes them (src/prune), instead of training from scratch. */
export const suitePruneSchema = s.object({
  from: s.string({ doc: 'run id of the parent, a run listed before this one: each fold-run prunes the parent\'s fold-run of the same repeat and fold' }),
  ratio: s.number({ min: 0, doc: 'share of channels to remove, >= 0 and < 1' }),
  method: s.oneOf(['l1', 'slim'] as const, { default: 'l1', doc: 'l1: per layer by filter L1 norm; slim: one global |gamma| threshold' }),
  finetuneEpochs: s.optional(s.integer({ min: 1, doc: "fine-tuning epochs (default: the protocol's epochs)" })),
});

export const suiteRunSchema = s.object({
  id: s.string({ doc: 'short unique id: run folders, CSV rows and the state file use it' }),
  label: s.string({ doc: 'the row label in the tables' }),
  paper: s.optional(s.string({ doc: "the paper's row this run reproduces (a key of src/report/paper.ts)" })),
  config: s.optional(s.string({ doc: 'a run config file, relative to the suite file' })),
  prune: s.optional(suitePruneSchema),
  set: overrides,
});

/** A claim of the suite's own about two of its runs (A − B in top-1 percentage points), decided like the paper's. */
export const suiteClaimSchema = s.object({
  claim: s.string({ doc: 'the claim in words, e.g. "DResNet is more accurate than ResNet-18"' }),
  a: s.string({ doc: 'run id of A' }),
  b: s.string({ doc: 'run id of B' }),
  rule: s.oneOf(['greater', 'less', 'equivalent', 'noninferior'] as const, {
    doc: 'greater: A more accurate than B; less: A less accurate; equivalent: A within margin of B; noninferior: A at most margin below B',
  }),
  margin: s.optional(s.number({ min: 0, doc: 'percentage points, for equivalent and noninferior' })),
  reason: s.optional(s.string({ doc: 'why this margin' })),
});

export const suiteSchema = s.object({
  name: s.string({ doc: 'results go to results/<name>/' }),
  title: s.string(),
  layout: s.oneOf(['table3', 'table4', 'ablation', 'custom'] as const, { doc: "one of the paper's tables, or custom: any dataset, no paper columns" }),
  reference: s.optional(s.string({ doc: 'run id that compression %, error % and ablation deltas are relative to' })),
  sizing: s.object({
    classes: s.integer({ default: 1000, min: 2, doc: 'head size for the deterministic columns (the paper sized its models at 1000)' }),
    inputSize: s.integer({ default: 224, min: 16 }),
  }),
  figure: s.optional(s.oneOf(['curves', 'ablation'] as const)),
  protocolFile: s.optional(s.string({ doc: 'a YAML mapping of shared protocols, relative to the suite file' })),
  protocols: s.record(protocolSchema, { default: {} }),
  runs: s.array(suiteRunSchema),
  claims: s.array(suiteClaimSchema, { default: [] }),
});

export type Protocol = s.Infer<typeof protocolSchema>;
export type SuiteRunSpec = s.Infer<typeof suiteRunSchema>;
export type SuitePrune = s.Infer<typeof suitePruneSchema>;
export type SuiteSpec = s.Infer<typeof suiteSchema>;
export type SuiteLayout = SuiteSpec['layout'];
export type SuiteClaim = s.Infer<typeof suiteClaimSchema>;
