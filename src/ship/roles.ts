/**
 * Which of a run's classes are abnormal: the one place predict, export and
 * the page's metadata take it from. Today it is the naming rule the metrics
 * use (isNormalClass: normal or normal_*); when the run config gains
 * data.roles (normal/benign/abnormal per class), read them here instead.
 */
import { isNormalClass } from '../train/metrics';

/** A cell is called abnormal at P(abnormal) >= this, as clinicalMetrics scores it. */
export const ABNORMAL_THRESHOLD = 0.5;

/** Per class, whether it is abnormal; undefined when the classes are not split into normal and abnormal. */
export function abnormalClasses(classes: readonly string[]): boolean[] | undefined {
  const abnormal = classes.map((c) => !isNormalClass(c));
  return abnormal.every(Boolean) || !abnormal.some(Boolean) ? undefined : abnormal;
}
