/**
 * The Herlev classes. Label order follows the paper and the dataset's own
 * numbering: classes 1-3 are normal, 4-7 abnormal.
 */
export const HERLEV_CLASSES = [
  'normal_superficiel',
  'normal_intermediate',
  'normal_columnar',
  'light_dysplastic',
  'moderate_dysplastic',
  'severe_dysplastic',
  'carcinoma_in_situ',
] as const;

export type HerlevClass = (typeof HERLEV_CLASSES)[number];

/** The official image counts of smear2005 (917 in all). */
export const HERLEV_COUNTS: Record<HerlevClass, number> = {
  normal_superficiel: 74,
  normal_intermediate: 70,
  normal_columnar: 98,
  light_dysplastic: 182,
  moderate_dysplastic: 146,
  severe_dysplastic: 197,
  carcinoma_in_situ: 150,
};

export const HERLEV2_CLASSES = ['normal', 'abnormal'] as const;

/**
 * The Herlev class a folder name stands for, or undefined. Case, spaces/dashes
 * and the English spelling "superficial" are accepted, since copies of the
 * set in the wild differ in these.
 */
export function herlevClassOf(folderName: string): HerlevClass | undefined {
  const key = folderName.trim().toLowerCase().replace(/[\s-]+/g, '_').replace('superficial', 'superficiel');
  return HERLEV_CLASSES.find((c) => c === key);
}

export function isNormalHerlevClass(c: HerlevClass): boolean {
  return c.startsWith('normal_');
}
