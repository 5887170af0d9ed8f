import type { DataConfig } from '../config/run-config';
import { UserError } from '../util/errors';

/** A classifier needs two classes at least; one class would fail deep in the loss (oneHot depth) after the run folder exists. */
export function classCountProblem(classes: readonly string[], root: string): string | undefined {
  if (classes.length >= 2) return undefined;
  return `data: ${root} has ${classes.length === 0 ? 'no classes' : `only one class ("${classes[0]}")`}; a classifier needs at least 2`;
}

/**
 * The classes too small for the split: with k stratified folds a class of
 * fewer than k images is missing from the validation set of some folds (and
 * macro-F1 would still average it in); a holdout split needs two images of a
 * class, one to train on and one to validate. Empty when every class fits.
 */
export function foldsMisfits(classCounts: readonly number[], classes: readonly string[], split: Pick<DataConfig['split'], 'type' | 'folds' | 'valFraction'>): string[] {
  const need = split.type === 'kfold' ? split.folds : 2;
  return classes.flatMap((c, i) => (classCounts[i] < need ? [`"${c}" has ${classCounts[i]}`] : []));
}

/** The one-line problem foldsMisfits describes, or undefined. */
export function foldsProblem(classCounts: readonly number[], classes: readonly string[], split: Pick<DataConfig['split'], 'type' | 'folds' | 'valFraction'>): string | undefined {
  const misfits = foldsMisfits(classCounts, classes, split);
  if (misfits.length === 0) return undefined;
  const smallest = Math.min(...classCounts);
  return split.type === 'kfold'
    ? `data.split.folds: ${split.folds} stratified folds need at least ${split.folds} images of every class, so that each fold validates on each class; ` +
        `${misfits.join(', ')} (${smallest >= 2 ? `use at most ${smallest} folds, or add images` : 'add images'})`
    : `data.split: a holdout split needs at least 2 images of every class (one to train on, one to validate); ${misfits.join(', ')}`;
}

/** Throws the foldsProblem, if any: to call before the folds are made (makeSplits does not check per class). */
export function checkFoldsFit(classCounts: readonly number[], classes: readonly string[], split: Pick<DataConfig['split'], 'type' | 'folds' | 'valFraction'>): void {
  const problem = foldsProblem(classCounts, classes, split);
  if (problem) throw new UserError(problem);
}

/** Why a scanned dataset cannot be trained on with this split (too few classes, classes too small for the folds); empty when it can. */
export function trainingProblems(classCounts: readonly number[], classes: readonly string[], split: Pick<DataConfig['split'], 'type' | 'folds' | 'valFraction'>, root: string): string[] {
  return [classCountProblem(classes, root), foldsProblem(classCounts, classes, split)].filter((p): p is string => p !== undefined);
}

/** Throws the first of trainingProblems: before the folds are made and before a run folder exists. */
export function checkTrainable(classCounts: readonly number[], classes: readonly string[], split: Pick<DataConfig['split'], 'type' | 'folds' | 'valFraction'>, root: string): void {
  const [problem] = trainingProblems(classCounts, classes, split, root);
  if (problem) throw new UserError(problem);
}
