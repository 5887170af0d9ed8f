/**
 * What each class means clinically: normal, benign (not normal, not
 * pre-cancerous: metaplastic cells, say) or abnormal. Sensitivity,
 * specificity and AUC score abnormal against the rest, so they need roles:
 * declared in data.roles, or shipped with Herlev's tasks and the synthetic
 * cells. A declared class list (data.classes) fixes the label order.
 */
import type { DataConfig } from '../config/run-config';
import { closest } from '../config/schema';
import { UserError } from '../util/errors';
import type { ClassRole, Dataset } from './types';

export type { ClassRole } from './types';

/** The roles a source and task come with: Herlev's classes 1-3 are normal, 4-7 abnormal; synthetic grade 0 is normal. */
export function builtInRoles(dataset: Pick<Dataset, 'source' | 'task' | 'classes'>): ClassRole[] | undefined {
  if (dataset.task === 'herlev2') return dataset.classes.map((c) => (c === 'normal' ? 'normal' : 'abnormal'));
  if (dataset.task === 'herlev7') return dataset.classes.map((c) => (c.startsWith('normal_') ? 'normal' : 'abnormal'));
  if (dataset.source === 'synthetic') return dataset.classes.map((c) => (c === 'grade0' ? 'normal' : 'abnormal'));
  return undefined;
}

function hint(word: string, names: readonly string[]): string {
  const near = closest(word, names);
  return near ? ` (did you mean "${near}"?)` : '';
}

/** data.roles checked against the classes: every key a class, every class a role. */
function declaredRoles(classes: readonly string[], roles: NonNullable<DataConfig['roles']>): ClassRole[] {
  for (const name of Object.keys(roles)) {
    if (!classes.includes(name)) throw new UserError(`data.roles.${name}: no class "${name}"${hint(name, classes)}; classes: ${classes.join(', ')}`);
  }
  return classes.map((c) => {
    const role = roles[c];
    if (role === undefined) throw new UserError(`data.roles: class "${c}" has no role; give every class one of normal, benign, abnormal`);
    return role;
  });
}

/**
 * The dataset with its labels in data.classes' order (when declared) and its
 * class roles attached. A label outside the declared list is an error (a
 * misspelt CSV label would otherwise become a class of its own), and so is a
 * declared class without images.
 */
export function applyClassDeclarations(dataset: Dataset, cfg: Pick<DataConfig, 'classes' | 'roles'>): Dataset {
  const ordered = cfg.classes === undefined ? dataset : reorderClasses(dataset, cfg.classes);
  const roles = cfg.roles === undefined ? builtInRoles(ordered) : declaredRoles(ordered.classes, cfg.roles);
  return roles === undefined ? ordered : { ...ordered, roles };
}

function reorderClasses(dataset: Dataset, declared: readonly string[]): Dataset {
  const duplicate = declared.find((c, i) => declared.indexOf(c) !== i);
  if (duplicate !== undefined) throw new UserError(`data.classes: "${duplicate}" is listed twice`);
  const newLabel = dataset.classes.map((name) => declared.indexOf(name));
  const unknown = newLabel.findIndex((l) => l < 0);
  if (unknown >= 0) {
    const name = dataset.classes[unknown];
    const where = dataset.samples.find((s) => s.label === unknown)?.path ?? dataset.root;
    throw new UserError(`data.classes: label "${name}" (${where}) is not a declared class${hint(name, declared)}; declared: ${declared.join(', ')}`);
  }
  const present = new Set(newLabel);
  const empty = declared.find((_, i) => !present.has(i));
  if (empty !== undefined) throw new UserError(`data.classes: class "${empty}" has no images in ${dataset.root}`);
  return { ...dataset, classes: [...declared], samples: dataset.samples.map((s) => ({ ...s, label: newLabel[s.label] })) };
}

/** Which classes count as abnormal (true) for the clinical view. */
export function abnormalMask(roles: readonly ClassRole[]): boolean[] {
  return roles.map((r) => r === 'abnormal');
}

/**
 * The abnormal classes when the roles split the classes into abnormal and the
 * rest (the clinical view needs both sides); undefined otherwise, or without roles.
 */
export function abnormalClasses(roles: readonly ClassRole[] | undefined): boolean[] | undefined {
  if (roles === undefined) return undefined;
  const abnormal = abnormalMask(roles);
  return abnormal.every(Boolean) || !abnormal.some(Boolean) ? undefined : abnormal;
}

