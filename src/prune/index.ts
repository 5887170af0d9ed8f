/** Channel pruning of trained models (l1 filter norms, network slimming), and runs that fine-tune the pruned model. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { applyPlan } from './apply';
import { planPruning, PruneMethod, PrunePlan } from './plan';

export { planPruning, planParams, checkRatio, PRUNE_METHODS } from './plan';
export type { PruneMethod, PrunePlan, PlannedLayer, PlannedSpace } from './plan';

/** The plan for `model` and the physically smaller model it gives (own weights; `model` is unchanged). */
export function pruneModel(model: tfl.LayersModel, method: PruneMethod, ratio: number): { model: tfl.LayersModel; plan: PrunePlan } {
  const { plan, graph } = planPruning(model, method, ratio);
  return { model: applyPlan(graph, plan), plan };
}
