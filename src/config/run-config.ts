import * as s from './schema';

/**
 * The schema of one training run (a file in configs/). Model-specific keys are
 * optional here so that a family's own defaults apply when a config is silent
 * (the registry drops undefined options before building, as timm does).
 */
export const modelSchema = s.object({
  name: s.string({ doc: 'registry name: dresnet, resnet18, resnet50, mobilenet_v1, mobilenet_v2, shufflenet_v1, shufflenet_v2' }),
  width: s.number({ default: 1, min: 0.0625, max: 4, doc: 'channel-width multiplier (@.5 / @.25 variants)' }),
  // DResNet switches (the ablation of the Discussion section).
  conv3x3: s.optional(s.oneOf(['separable', 'standard'] as const)),
  pointwise: s.optional(s.oneOf(['grouped', 'dense'] as const)),
  groups: s.optional(s.integer({ min: 1 })),
  squeeze: s.optional(s.number({ min: 0.01, max: 4, doc: 'W: squeeze ratio of the grouped 1x1 bottleneck' })),
  split: s.optional(s.number({ min: 0, max: 1, doc: 'R: share of squeezed channels sent to the 1x1 path' })),
  multiScale: s.optional(s.boolean()),
  se: s.optional(s.boolean()),
  seRatio: s.optional(s.number({ min: 0.01, max: 1 })),
  stageWidths: s.optional(s.array(s.integer({ min: 1 }))),
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
  inputSize: s.integer({ default: 224, min: 16, max: 1024 }),
  resize: s.oneOf(['pad', 'crop'] as const, { default: 'pad' }),
  split: s.object({
    type: s.oneOf(['kfold', 'holdout'] as const, { default: 'kfold' }),
    folds: s.integer({ default: 5, min: 2 }),
    valFraction: s.number({ default: 0.2, min: 0.01, max: 0.99 }),
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
  fold: s.either(s.integer({ min: 0 }), s.oneOf(['all'] as const), { default: 0 }),
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
export type ModelConfig = RunConfig['model'];
export type DataConfig = RunConfig['data'];
export type AugmentConfig = DataConfig['augment'];
export type TrainConfig = RunConfig['train'];
export type RuntimeConfig = RunConfig['runtime'];
