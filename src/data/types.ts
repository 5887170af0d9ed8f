import type { DataConfig } from '../config/run-config';

/** One image of a dataset: an absolute file path and its class index into Dataset.classes. */
export interface Sample {
  path: string;
  label: number;
  /** The -d.bmp segmentation mask beside a Herlev image, attached only when the config asks for masks. */
  maskPath?: string;
  /** The group a CSV manifest's `group` column names (cells cut from one slide or image), for group-aware splits. */
  group?: string;
}

/** A file that was not used, and why (a corrupt image with skipBad, say). */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** What a class means clinically; sensitivity, specificity and AUC score abnormal against the rest. */
export type ClassRole = 'normal' | 'benign' | 'abnormal';

/** A labelled list of image files, with the config's task mapping already applied. */
export interface Dataset {
  /** The folder the sample paths live under (the CSV's folder for a CSV manifest). */
  root: string;
  source: DataConfig['source'];
  task: DataConfig['task'];
  /** Class names, in label order. */
  classes: string[];
  /** Each class's role, in label order; absent when neither the config nor the source declares them (no clinical metrics then). */
  roles?: ClassRole[];
  samples: Sample[];
  /** Non-image files found next to the images: ignored, only counted. */
  ignoredFiles: number;
  /** Images left out (corrupt files when skipBad is on). */
  skipped: SkippedFile[];
  /** What the scan noticed and how it dealt with it (symlinks followed, images in sub-folders not read), one line each. */
  findings?: string[];
  /**
   * The split manifest this dataset was read from. Its folds index these
   * exact samples, so none may be skipped, whatever skipBad says.
   */
  manifest?: string;
}

/** Indices into Dataset.samples. */
export interface Fold {
  train: number[];
  val: number[];
}

/** Indices of the samples that share a group (one slide, one image), for splits that keep each group in one fold. */
export type Groups = number[][];

/** Per-channel (R, G, B) statistics of pixel values scaled to [0, 1]. */
export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

export type Log = (line: string) => void;
