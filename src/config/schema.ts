/**
 * A small declarative schema: each node validates a parsed YAML value, fills
 * defaults, and infers its TypeScript type, so the config types are written
 * once. Errors carry the key path so the loader can name file, key and the
 * expected type.
 */

export class SchemaError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path || '<root>'}: ${problem}`);
    this.name = 'SchemaError';
  }
}

export interface Node<T> {
  readonly kind: string;
  /** A short description of what the node accepts, for error messages. */
  readonly expected: string;
  readonly hasDefault: boolean;
  readonly doc?: string;
  parse(value: unknown, path: string): T;
}

export type Infer<N> = N extends Node<infer T> ? T : never;

interface Common<T> {
  default?: T;
  doc?: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // JSON.stringify writes NaN and the infinities as null; YAML's .nan and .inf reach here as numbers.
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${value}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function leaf<T>(kind: string, expected: string, opts: Common<T>, check: (v: unknown, path: string) => T): Node<T> {
  return {
    kind,
    expected,
    hasDefault: opts.default !== undefined,
    doc: opts.doc,
    parse(value, path) {
      if (value === undefined) {
        if (opts.default !== undefined) return structuredClone(opts.default);
        throw new SchemaError(path, `is required (expected ${expected})`);
      }
      return check(value, path);
    },
  };
}

export function number(opts: Common<number> & { min?: number; max?: number; integer?: boolean } = {}): Node<number> {
  const range = [opts.min !== undefined ? `>= ${opts.min}` : '', opts.max !== undefined ? `<= ${opts.max}` : '']
    .filter(Boolean).join(' and ');
  const expected = `${opts.integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
  return leaf('number', expected, opts, (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchemaError(path, `expected ${expected}, got ${describe(v)}`);
    if (opts.integer && !Number.isInteger(v)) throw new SchemaError(path, `expected ${expected}, got ${v}`);
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      throw new SchemaError(path, `expected ${expected}, got ${v}`);
    }
    return v;
  });
}

export function integer(opts: Common<number> & { min?: number; max?: number } = {}): Node<number> {
  return number({ ...opts, integer: true });
}

export function string(opts: Common<string> = {}): Node<string> {
  return leaf('string', 'a string', opts, (v, path) => {
    if (typeof v !== 'string') throw new SchemaError(path, `expected a string, got ${describe(v)}`);
    return v;
  });
}

export function boolean(opts: Common<boolean> = {}): Node<boolean> {
  return leaf('boolean', 'a boolean (true/false)', opts, (v, path) => {
    if (typeof v !== 'boolean') throw new SchemaError(path, `expected a boolean (true/false), got ${describe(v)}`);
    return v;
  });
}

export function oneOf<const V extends readonly (string | number)[]>(values: V, opts: Common<V[number]> = {}): Node<V[number]> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return leaf('enum', expected, opts, (v, path) => {
    if (!values.includes(v as V[number])) {
      const hint = typeof v === 'string' ? closest(v, values.map(String)) : undefined;
      throw new SchemaError(path, `expected ${expected}, got ${describe(v)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    return v as V[number];
  });
}

export function array<T>(items: Node<T>, opts: Common<T[]> = {}): Node<T[]> {
  const expected = `a list of ${items.expected}`;
  return leaf('array', expected, opts, (v, path) => {
    if (!Array.isArray(v)) throw new SchemaError(path, `expected ${expected}, got ${describe(v)}`);
    return v.map((item, i) => items.parse(item, `${path}[${i}]`));
  });
}

/** Either of two node kinds, e.g. a number or a list of numbers. */
export function either<A, B>(a: Node<A>, b: Node<B>, opts: Common<A | B> = {}): Node<A | B> {
  const expected = `${a.expected} or ${b.expected}`;
  return leaf('either', expected, opts, (v, path) => {
    try {
      return a.parse(v, path);
    } catch {
      try {
        return b.parse(v, path);
      } catch {
        throw new SchemaError(path, `expected ${expected}, got ${describe(v)}`);
      }
    }
  });
}

/** A value that may be absent (undefined) without a default. */
export function optional<T>(node: Node<T>): Node<T | undefined> {
  return {
    kind: node.kind,
    expected: node.expected,
    hasDefault: true,
    doc: node.doc,
    parse: (v, path) => (v === undefined || v === null ? undefined : node.parse(v, path)),
  };
}

/** The same node with another default (a suite's protocol defaults its data source to Herlev, a run config to synthetic cells). */
export function withDefault<T>(node: Node<T>, value: T): Node<T> {
  return { ...node, hasDefault: true, parse: (v, path) => node.parse(v === undefined ? structuredClone(value) : v, path) };
}

/** The same node without its default: the key must be given. */
export function required<T>(node: Node<T>): Node<T> {
  return {
    ...node,
    hasDefault: false,
    parse(v, path) {
      if (v === undefined) throw new SchemaError(path, `is required (expected ${node.expected})`);
      return node.parse(v, path);
    },
  };
}

/** Every field of a shape made optional without a default (absent stays absent). */
export function optionalFields<S extends Shape>(fields: S): { [K in keyof S]: Node<Infer<S[K]> | undefined> } {
  return Object.fromEntries(Object.entries(fields).map(([k, node]) => [k, optional(node)])) as { [K in keyof S]: Node<Infer<S[K]> | undefined> };
}

/** A free-form mapping of string keys to values of one node kind. */
export function record<T>(values: Node<T>, opts: Common<Record<string, T>> = {}): Node<Record<string, T>> {
  const expected = `a mapping of ${values.expected}`;
  return leaf('record', expected, opts, (v, path) => {
    if (!isPlainObject(v)) throw new SchemaError(path, `expected ${expected}, got ${describe(v)}`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, values.parse(x, join(path, k))]));
  });
}

export type Shape = Record<string, Node<unknown>>;
export type ObjectOf<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

export interface ObjectNode<S extends Shape> extends Node<ObjectOf<S>> {
  readonly fields: S;
}

export function object<S extends Shape>(fields: S, opts: { doc?: string } = {}): ObjectNode<S> {
  const keys = Object.keys(fields);
  return {
    kind: 'object',
    expected: 'a mapping',
    hasDefault: true,
    doc: opts.doc,
    fields,
    parse(value, path) {
      const v = value === undefined || value === null ? {} : value;
      if (!isPlainObject(v)) throw new SchemaError(path, `expected a mapping, got ${describe(v)}`);
      for (const key of Object.keys(v)) {
        if (!(key in fields)) {
          const hint = closest(key, keys);
          throw new SchemaError(join(path, key), `unknown key${hint ? ` (did you mean "${join(path, hint)}"?)` : ''}; valid keys here: ${keys.join(', ')}`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const parsed = fields[key].parse((v as Record<string, unknown>)[key], join(path, key));
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate nearest to `word`, if it is near enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return best !== undefined && bestDist <= Math.max(2, Math.ceil(word.length / 2)) ? best : undefined;
}
