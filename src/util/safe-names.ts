import * as path from 'node:path';
import { UserError } from './errors';

/**
 * The one pattern every name that becomes a file or folder name must match
 * (run and suite names, run ids, export names): a letter or digit first (so
 * never "", "." or ".."), then letters, digits, ".", "_" and "-", at most 100
 * characters. No separators, so a name can never climb out of its folder.
 */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isSafeName(value: unknown): value is string {
  return typeof value === 'string' && SAFE_NAME.test(value);
}

/** Throws a UserError naming `key` (e.g. "configs/x.yaml: name") and the value when `value` is not a safe name. */
export function checkSafeName(value: unknown, key: string): string {
  if (!isSafeName(value)) {
    throw new UserError(
      `${key}: ${JSON.stringify(value)} cannot be used as a file name ` +
        '(expected 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit)',
    );
  }
  return value;
}

/** True when `target` is `root` or lies below it (both resolved; no symlinks are followed). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(target));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * `target` resolved, after proving it lies inside `root`: the last check
 * before the tool writes there. `what` names the key or flag the path came from.
 */
export function insideRoot(root: string, target: string, what: string): string {
  if (!isInside(root, target)) {
    throw new UserError(`${what}: ${target} lies outside ${path.resolve(root)}, the folder it must be written under`);
  }
  return path.resolve(target);
}

/**
 * A suite's names that become folder names (results/<name>/,
 * runs/suites/<name>/<protocol>/<run id>-fold<i>-<hash>/), checked before
 * anything is written. Structural, so the suite loader and the CLI can both call it.
 */
export function checkSuiteNames(suite: { file: string; name: string; runs: readonly { id: string }[] }, protocol?: string): void {
  checkSafeName(suite.name, `${suite.file}: name`);
  if (protocol !== undefined) checkSafeName(protocol, '--protocol');
  suite.runs.forEach((run, i) => checkSafeName(run.id, `${suite.file}: runs[${i}].id`));
}
