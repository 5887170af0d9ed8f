/**
 * The data layer's public API. A trainer's usual path:
 *
 *   const data = await loadDataset(cfg.data, { seed: cfg.seed, log });
 *   const folds = makeSplits(data, cfg.data.split, cfg.seed);
 *   writeSplitManifest(path.join(runDir, 'split.json'), data, folds, cfg.seed);
 *   const norm = computeNormalization(data.images, folds[f].train);
 *   for await (const b of createBatchStream(data, folds[f].train,
 *       { batchSize, train: true, seed: cfg.seed, epoch, normalization: norm, augment: cfg.data.augment })) {
 *     ...; tf.dispose([b.x, b.y]);
 *   }
 *
 * Re-evaluating a run: readSplitManifest(file) gives the dataset and folds;
 * loadImages(dataset, cfg.data) decodes exactly those files.
 */
export type { Dataset, Fold, Log, Normalization, Sample, SkippedFile } from './types';
export type { ImageStore, LoadedDataset, LoadImagesOptions } from './images';
export type { Batch, BatchStreamOptions } from './batches';
export type { SplitManifest } from './splits';
export type { DatasetOptions } from './dataset';
export type { SyntheticOptions } from './synthetic';
export { classCounts, defaultHerlevPath, loadDataset, scanDataset, summarizeDataset } from './dataset';
export { defaultCacheDir, imageAt, loadImages } from './images';
export { checkTestList, makeSplits, readSplitManifest, sampleGroupNames, stratifiedGroupKFold, stratifiedHoldout, stratifiedKFold, testSplit, writeSplitManifest } from './splits';
export { computeNormalization } from './normalization';
export { createBatchStream, epochOrder } from './batches';
export { HERLEV_CLASSES, HERLEV_COUNTS, HERLEV2_CLASSES } from './herlev';
export { writeSyntheticDataset, ensureSyntheticDataset, syntheticClassNames } from './synthetic';
