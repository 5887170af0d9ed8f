import * as s from './schema';

/** The keys every model takes; the rest of `model:` belongs to the named family. */
const commonModelFields = {
  name: s.string({ doc: 'registry name: dresnet, resnet18, resnet50, mobilenet_v1, mobilenet_v2, shufflenet_v1, shufflenet_v2' }),
  width: s.number({ default: 1, min: 0.0625, max: 4, doc: 'channel-width multiplier (@.5 / @.25 variants)' }),
};

/** A run's model: name, width and the named family's own options (those a config leaves out are left to the family's defaults). */
export interface ModelConfig {
  name: string;
  width: number;
  [option: string]: unknown;
}

/**
 * What the model section needs to know of the zoo: each family's own option
 * schema. The zoo sits above config, so it provides them (src/models/registry.ts
 * does when it loads) rather than config importing it.
 */
export interface ModelFamilies {
  names(): string[];
  /** The family's own options (not name and width); undefined for an unknown name. */
  options(name: string): s.ObjectNode<s.Shape> | undefined;
}

let families: ModelFamilies | undefined;

export function provideModelFamilies(provider: ModelFamilies): void {
  families = provider;
}

/**
 * `model:`, validated against the named family's option schema, so that an
 * unknown or misspelt option names its key and the closest valid one. Options
 * stay optional here: a family's defaults apply when a config is silent, and
 * the resolved config (and its hash) holds only what was set.
 */
export const modelSchema: s.Node<ModelConfig> = {
  kind: 'object',
  expected: 'a mapping',
  hasDefault: false,
  parse(value, path) {
    const name = commonModelFields.name.parse(s.isPlainObject(value) ? value.name : undefined, s.join(path, 'name'));
    if (!families) throw new Error('no model families provided to the run config: import src/models before validating one');
    const own = families.options(name);
    if (!own) {
      const names = families.names();
      const hint = s.closest(name, names);
      throw new s.SchemaError(s.join(path, 'name'), `unknown model "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; available models: ${names.join(', ')}`);
    }
    return s.object({ ...commonModelFields, ...s.optionalFields(own.fields) }).parse(value, path) as ModelConfig;
  },
};

/** A file name's group under groupBy: prefix, by default: everything before its last '-' or '_'. */
export const DEFAULT_GROUP_PATTERN = '^(.+)[-_][^-_]+$';

const TEST_SPLIT_EXPECTED = 'a fraction between 0 and 1 (exclusive) or the path of a CSV file with a "path" column';

/** data.split.test: a fraction strictly between 0 and 1, or the path of a CSV file listing the test images; absent: no test split. */
const testSplitSchema: s.Node<number | string | undefined> = s.optional({
  kind: 'either',
  expected: TEST_SPLIT_EXPECTED,
  hasDefault: false,
  doc: 'images held out of every fold and scored at the end of each: a fraction of each class (of whole groups with groupBy), or a CSV of image paths relative to the data root',
  parse(value, path) {
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number' && value > 0 && value < 1) return value;
    throw new s.SchemaError(path, `expected ${TEST_SPLIT_EXPECTED}, got ${JSON.stringify(value)}`);
  },
});

export const augmentSchema = s.object({
  hflip: s.boolean({ default: true }),
  vflip: s.boolean({ default: true }),
  rot90: s.boolean({ default: true }),
  rotate: s.number({ default: 0, min: 0, max: 180, doc: 'max random rotation, degrees' }),
  scale: s.number({ default: 0, min: 0, max: 0.9, doc: 'max random scale change, fraction' }),
  colorJitter: s.number({ default: 0, min: 0, max: 1, doc: 'max brightness/contrast/saturation change, fraction' }),
});

export const dataSchema = s.object({
  source: s.oneOf(['synthetic', 'herlev', 'folder', 'csv'] as const, { default: 'synthetic' }),
  path: s.optional(s.string({ doc: 'dataset folder or CSV manifest; herlev defaults to $DRESNET_HERLEV or ../shared/data/herlev' })),
  task: s.oneOf(['classes', 'herlev7', 'herlev2'] as const, { default: 'classes', doc: 'classes: the folders as they are' }),
  classes: s.optional(s.array(s.string(), { doc: 'the class names, in label order; a label outside the list is an error' })),
  roles: s.optional(s.record(s.oneOf(['normal', 'benign', 'abnormal'] as const), {
    doc: 'each class normal, benign or abnormal: sensitivity, specificity and AUC score abnormal against the rest (Herlev and synthetic cells ship theirs)',
  })),
  inputSize: s.integer({ default: 224, min: 16, max: 1024 }),
  resize: s.oneOf(['pad', 'crop'] as const, { default: 'pad' }),
  split: s.object({
    type: s.oneOf(['kfold', 'holdout'] as const, { default: 'kfold' }),
    folds: s.integer({ default: 5, min: 2 }),
    valFraction: s.number({ default: 0.2, min: 0.01, max: 0.99 }),
    groupBy: s.oneOf(['none', 'prefix', 'csv'] as const, {
      default: 'none',
      doc: 'keep groups of images (cells cut from one slide or image) inside one fold: by a file-name prefix, or the CSV manifest\'s group column',
    }),
    groupPattern: s.string({
      default: DEFAULT_GROUP_PATTERN,
      doc: 'with groupBy: prefix, a regular expression on the file name without its extension; its first capture group (or the whole match) names the group',
    }),
    test: testSplitSchema,
  }),
  cache: s.boolean({ default: true }),
  skipBad: s.boolean({ default: false }),
  masks: s.boolean({ default: false, doc: 'use the -d.bmp segmentation masks where present' }),
  augment: augmentSchema,
  synthetic: s.object({
    perClass: s.integer({ default: 100, min: 1 }),
    classes: s.integer({ default: 4, min: 2, max: 7 }),
    imageSize: s.integer({ default: 64, min: 16 }),
  }),
});

export const trainSchema = s.object({
  epochs: s.integer({ default: 30, min: 1 }),
  batchSize: s.integer({ default: 32, min: 1 }),
  fold: s.either(s.either(s.integer({ min: 0 }), s.array(s.integer({ min: 0 }))), s.oneOf(['all'] as const), {
    default: 0,
    doc: 'a fold index, a list of them (mean ± std over the folds run), or all',
  }),
  optimizer: s.object({
    type: s.oneOf(['sgd', 'adam'] as const, { default: 'sgd' }),
    lr: s.number({ default: 0.01, min: 0 }),
    momentum: s.number({ default: 0.9, min: 0, max: 1 }),
    weightDecay: s.number({ default: 1e-4, min: 0 }),
  }),
  schedule: s.object({
    type: s.oneOf(['multistep', 'cosine', 'constant'] as const, { default: 'multistep' }),
    milestones: s.array(s.number({ min: 0 }), { default: [0.5, 0.75], doc: 'epochs (>= 1) or fractions of the run (< 1)' }),
    gamma: s.number({ default: 0.1, min: 0 }),
    warmupEpochs: s.number({ default: 0, min: 0 }),
  }),
  loss: s.object({
    type: s.oneOf(['ce', 'focal'] as const, { default: 'ce' }),
    gamma: s.number({ default: 2, min: 0 }),
    alpha: s.optional(s.either(s.number({ min: 0 }), s.array(s.number({ min: 0 })))),
    labelSmoothing: s.number({ default: 0, min: 0, max: 1 }),
    bnL1: s.number({ default: 0, min: 0, doc: 'network slimming: weight of the L1 penalty on batch-norm scales (gamma)' }),
  }),
});

export const runtimeSchema = s.object({
  backend: s.oneOf(['auto', 'torch', 'tensorflow', 'cpu'] as const, { default: 'auto' }),
  device: s.oneOf(['cpu', 'cuda'] as const, { default: 'cpu' }),
  threads: s.integer({ default: 0, min: 0, doc: '0: all cores' }),
  outDir: s.string({ default: 'runs' }),
  quiet: s.boolean({ default: false }),
  compile: s.boolean({
    default: true,
    doc: 'torch: replay training steps and inference from native plans recorded per batch shape (the same values bit for bit); false: eager',
  }),
  cudaGraphs: s.boolean({
    default: false,
    doc: 'torch with compile: replay each plan as a CUDA graph captured once (cuda; not yet run on a GPU) or, on the CPU, through the same buffers without a capture',
  }),
});

export const runConfigSchema = s.object({
  name: s.string({ default: 'run' }),
  seed: s.integer({ default: 42, min: 0 }),
  model: modelSchema,
  data: dataSchema,
  train: trainSchema,
  runtime: runtimeSchema,
});

export type RunConfig = s.Infer<typeof runConfigSchema>;
export type DataConfig = RunConfig['data'];
export type AugmentConfig = DataConfig['augment'];
export type TrainConfig = RunConfig['train'];
export type RuntimeConfig = RunConfig['runtime'];

/** The folds a train.fold value names, of a split of `count` folds (in the order given; range checked by the trainer). */
export function foldsNamed(fold: TrainConfig['fold'], count: number): number[] {
  if (fold === 'all') return Array.from({ length: count }, (_, i) => i);
  return Array.isArray(fold) ? [...fold] : [fold];
}
