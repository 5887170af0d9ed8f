/** Channel pruning of trained models (l1 filter norms, network slimming), and runs that fine-tune the pruned model. */
export { planPruning, planParams, checkRatio, PRUNE_METHODS } from './plan';
export type { PruneMethod, PrunePlan, PlannedLayer, PlannedSpace } from './plan';
export { applyPlan, applyPlanTo, pruneModel } from './apply';
export { finetuneSettings, pruneFold, pruneFoldAs, readPruning } from './run';
export type { PruneRunOptions, PruningReport } from './run';
