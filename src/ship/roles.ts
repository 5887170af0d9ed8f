/**
 * Which of a run's classes are abnormal: the one place predict, export and
 * the page's metadata take it from, read from the run's class roles
 * (data.roles, or the roles Herlev and the synthetic cells ship with).
 */
import type { Dataset } from '../data/types';
import { abnormalMask } from '../data/roles';

/** A cell is called abnormal at P(abnormal) >= this, as clinicalMetrics scores it. */
export const ABNORMAL_THRESHOLD = 0.5;

/** Per class, whether it is abnormal; undefined without roles, or when no class (or every class) is abnormal. */
export function abnormalClasses(dataset: Pick<Dataset, 'roles'>): boolean[] | undefined {
  if (dataset.roles === undefined) return undefined;
  const abnormal = abnormalMask(dataset.roles);
  return abnormal.every(Boolean) || !abnormal.some(Boolean) ? undefined : abnormal;
}
