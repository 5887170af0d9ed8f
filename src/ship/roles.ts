/**
 * The threshold predict, export and the page call a cell abnormal at; which
 * classes are abnormal comes from the run's roles (abnormalClasses, src/data/roles).
 */

/** A cell is called abnormal at P(abnormal) >= this, as clinicalMetrics scores it. */
export const ABNORMAL_THRESHOLD = 0.5;
