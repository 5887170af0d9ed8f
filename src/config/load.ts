import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { UserError } from '../util/errors';
import { isPlainObject, SchemaError } from './schema';
import { RunConfig, runConfigSchema } from './run-config';

type Tree = Record<string, unknown>;
/** Which file (or --set flag) last wrote each key path, so errors can name it. */
type Origins = Map<string, string>;

/** Reads a YAML file into a mapping; errors name the file and the line. */
export function readYamlFile(file: string): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new UserError(`${file}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (err) {
    // toJS refuses what parses but cannot be built, such as an alias bomb (too many alias expansions).
    throw new UserError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isPlainObject(value)) throw new UserError(`${file}: expected a mapping at the top level`);
  return value;
}

/**
 * Loads a file with its `extends:` chain (one path or a list, relative to the
 * file), the child deep-merged over its bases. A mapping with `_delete_: true`
 * replaces the base's subtree instead of merging into it.
 */
function loadTree(file: string, origins: Origins, seen: string[] = []): Tree {
  const abs = path.resolve(file);
  if (seen.includes(abs)) throw new UserError(`${file}: circular extends: ${[...seen, abs].join(' -> ')}`);
  const own = readYamlFile(abs);
  const { extends: bases, ...rest } = own;
  let merged: Tree = {};
  for (const base of toList(bases, file)) {
    const baseFile = path.resolve(path.dirname(abs), base);
    if (!fs.existsSync(baseFile)) throw new UserError(`${file}: extends: ${JSON.stringify(base)}: no such file (looked for ${baseFile})`);
    merged = deepMerge(merged, loadTree(baseFile, origins, [...seen, abs]), origins, '');
  }
  return deepMerge(merged, rest, origins, '', file);
}

function toList(bases: unknown, file: string): string[] {
  if (bases === undefined || bases === null) return [];
  if (typeof bases === 'string') return [bases];
  if (Array.isArray(bases) && bases.every((b) => typeof b === 'string')) return bases;
  throw new UserError(`${file}: extends: expected a path or a list of paths, got ${JSON.stringify(bases)}`);
}

function deepMerge(base: Tree, over: Tree, origins: Origins, prefix: string, source?: string): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (source) origins.set(keyPath, source);
    if (isPlainObject(value) && value._delete_ === true) {
      const { _delete_, ...replacement } = value;
      out[key] = deepMerge({}, replacement, origins, keyPath, source);
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = deepMerge(out[key] as Tree, value, origins, keyPath, source);
    } else {
      out[key] = isPlainObject(value) ? deepMerge({}, value, origins, keyPath, source) : value;
    }
  }
  return out;
}

/** An override given as a value (a suite's protocol and `set:`), with where it came from, which errors name. */
export interface Assignment {
  keyPath: string;
  value: unknown;
  source: string;
}

/** `--set a.b=value` text, or a value. */
export type Override = string | Assignment;

function checkKeyPath(keyPath: string, source: string): void {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(keyPath)) throw new UserError(`${source}: "${keyPath}" is not a dotted key path`);
}

/** Parses `a.b.c=value`; the value is read as YAML, so numbers, booleans and lists keep their types. */
export function parseOverride(assignment: string): { keyPath: string; value: unknown } {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected key.path=value`);
  const keyPath = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1);
  checkKeyPath(keyPath, `--set ${assignment}`);
  return { keyPath, value: raw === '' ? '' : parseOverrideValue(assignment, raw) };
}

/** A --set value read as YAML; a value that is not YAML (an unclosed quote or bracket) is the user's to fix. */
function parseOverrideValue(assignment: string, raw: string): unknown {
  const doc = YAML.parseDocument(raw);
  if (doc.errors.length > 0) {
    throw new UserError(`--set ${assignment}: the value is not valid YAML (${doc.errors[0].message.split('\n')[0]}); quote it as a string, e.g. --set '${assignment.slice(0, assignment.indexOf('='))}="..."'`);
  }
  try {
    return doc.toJS();
  } catch (err) {
    throw new UserError(`--set ${assignment}: the value is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

function toAssignment(override: Override): Assignment {
  if (typeof override !== 'string') {
    checkKeyPath(override.keyPath, override.source);
    return override;
  }
  return { ...parseOverride(override), source: `--set ${override}` };
}

export function applyOverrides(tree: Tree, overrides: readonly Override[], origins: Origins = new Map()): Tree {
  let out = tree;
  for (const { keyPath, value, source } of overrides.map(toAssignment)) {
    const patch: Tree = {};
    let cursor = patch;
    const keys = keyPath.split('.');
    keys.slice(0, -1).forEach((k) => { cursor = (cursor[k] = {}) as Tree; });
    cursor[keys[keys.length - 1]] = value;
    out = deepMerge(out, patch, origins, '', source);
  }
  return out;
}

function originOf(keyPath: string, origins: Origins, fallback: string): string {
  for (let p = keyPath; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const base = p.replace(/\[\d+\]$/, '');
    const found = origins.get(base);
    if (found) return found;
    if (base !== p) p = base;
  }
  return fallback;
}

/** Validates a merged tree against the run schema; errors name the file that set the bad key. */
export function validateRunConfig(tree: Tree, origins: Origins, fallback: string): RunConfig {
  try {
    return runConfigSchema.parse(tree, '');
  } catch (err) {
    if (err instanceof SchemaError) {
      throw new UserError(`${originOf(err.path, origins, fallback)}: ${err.message}`);
    }
    throw err;
  }
}

/** The fully resolved run config: bases, the file, then `--set` overrides, validated. */
export function loadRunConfig(file: string, overrides: readonly Override[] = []): RunConfig {
  const origins: Origins = new Map();
  const tree = applyOverrides(loadTree(file, origins), overrides, origins);
  return validateRunConfig(tree, origins, file);
}

/** A resolved config with no file behind it: defaults plus overrides. */
export function defaultRunConfig(overrides: readonly Override[] = []): RunConfig {
  const origins: Origins = new Map();
  return validateRunConfig(applyOverrides({}, overrides, origins), origins, '<defaults>');
}

export function toYaml(config: unknown): string {
  return YAML.stringify(config, { lineWidth: 0 });
}
