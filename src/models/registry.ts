/**
 * The model zoo's single entry point (timm's create_model, torchvision's
 * get_model): families register builders with the schema of their own options
 * (defaults included; the run config validates `model:` against it) and the
 * paper's printed sizes beside them; createModel validates the options,
 * drops undefined ones so family defaults apply, and builds.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { ModelConfig, provideModelFamilies } from '../config/run-config';
import { object, ObjectNode, SchemaError, Shape } from '../config/schema';

export type OptionValue = number | string | boolean | number[];

/** The options every family takes. */
export interface CommonOptions {
  numClasses: number;
  inputSize: number;
  /** Channel-width multiplier (the paper's @.5 / @.25 variants). */
  width: number;
}

export type ModelOptions = CommonOptions & Record<string, OptionValue>;

/** A size the paper printed for this model at a width, in its "MB". */
export interface PaperSize {
  width: number;
  mb: number;
  /** Where it was printed, e.g. "Table 4". */
  source: string;
}

/** What a family file registers. */
export interface ModelRegistration<O extends CommonOptions = ModelOptions> {
  name: string;
  description: string;
  /** The schema of the family's own options (beyond CommonOptions): types, bounds, defaults, docs; the run config validates `model:` against it. */
  options?: ObjectNode<Shape>;
  paperSizes?: PaperSize[];
  /** Throws UserError for a combination of values the family cannot build (each value alone is the schema's). */
  validate?: (options: O) => void;
  build: (options: O) => tfl.LayersModel;
}

export interface ModelDefinition<O extends CommonOptions = ModelOptions> extends ModelRegistration<O> {
  options: ObjectNode<Shape>;
  /** Every option the family accepts, with its default (the common ones', then the schema's). */
  defaults: O;
}

const NO_OPTIONS = object({});

export const COMMON_DEFAULTS: CommonOptions = { numClasses: 1000, inputSize: 224, width: 1 };

/**
 * The registered families. The built-in ones register when models/index.ts
 * loads families.ts, so code outside models/ imports the zoo from there: the
 * registry imports no family (they import it).
 */
const registry = new Map<string, ModelDefinition>();

export function registerModel<O extends CommonOptions>(registration: ModelRegistration<O>): void {
  if (registry.has(registration.name)) throw new Error(`model "${registration.name}" is already registered`);
  const options = registration.options ?? NO_OPTIONS;
  const defaults = { ...COMMON_DEFAULTS, ...options.parse({}, '') };
  registry.set(registration.name, { ...registration, options, defaults } as unknown as ModelDefinition);
}

// The run config validates `model:` against the named family's schema.
provideModelFamilies({ names: () => listModels(), options: (name) => (listModels().includes(name) ? getModelDefinition(name).options : undefined) });

/** Registered names, sorted, optionally filtered by a glob (`*`, `?`). */
export function listModels(glob?: string): string[] {
  const names = [...registry.keys()].sort();
  if (glob === undefined) return names;
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return names.filter((n) => re.test(n));
}

export function getModelDefinition(name: string): ModelDefinition {
  const def = registry.get(name);
  if (!def) throw new UserError(`unknown model "${name}"; available models: ${listModels().join(', ')}`);
  return def;
}

/** The paper's printed sizes for a model at a width (empty where the paper has none). */
export function paperSizes(name: string, width: number): PaperSize[] {
  return (getModelDefinition(name).paperSizes ?? []).filter((p) => p.width === width);
}

function parseOwnOptions(def: ModelDefinition, own: Record<string, unknown>): Record<string, unknown> {
  try {
    return def.options.parse(own, '');
  } catch (err) {
    if (err instanceof SchemaError) throw new UserError(`model ${def.name} option "${err.path}": ${err.problem}`);
    throw err;
  }
}

/** The family's defaults overlaid with the given (defined) options, checked: the common ones here, the family's own by its schema. */
export function resolveModelOptions(name: string, options: Record<string, unknown> = {}): ModelOptions {
  const def = getModelDefinition(name);
  const accepted = Object.keys(def.defaults);
  const common: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in def.defaults)) {
      throw new UserError(`model ${name} does not take option "${key}"; it takes: ${accepted.join(', ')}`);
    }
    if (!(key in COMMON_DEFAULTS)) own[key] = value;
    else if (typeof value === 'number') common[key] = value;
    else throw new UserError(`model ${name} option "${key}": expected a number, got ${JSON.stringify(value)}`);
  }
  const opts = { ...COMMON_DEFAULTS, ...common, ...parseOwnOptions(def, own) } as ModelOptions;
  checkCommon(name, opts);
  def.validate?.(opts);
  return opts;
}

function checkCommon(name: string, o: ModelOptions): void {
  if (!Number.isInteger(o.numClasses) || o.numClasses < 1) throw new UserError(`model ${name}: numClasses must be an integer >= 1, got ${o.numClasses}`);
  if (!Number.isInteger(o.inputSize) || o.inputSize < 32) throw new UserError(`model ${name}: inputSize must be an integer >= 32, got ${o.inputSize}`);
  if (!(o.width > 0)) throw new UserError(`model ${name}: width must be > 0, got ${o.width}`);
}

/** Builds a registered model: a functional NHWC LayersModel, [batch, inputSize, inputSize, 3] → softmax [batch, numClasses]. */
export function createModel(name: string, options: Record<string, unknown> = {}): tfl.LayersModel {
  const def = getModelDefinition(name);
  return def.build(resolveModelOptions(name, options));
}

/** createModel's options for a run config's `model` section (undefined switches are dropped by createModel). */
export function modelOptionsFromConfig(model: ModelConfig, numClasses: number, inputSize: number): Record<string, unknown> {
  const { name: _name, ...switches } = model;
  return { ...switches, numClasses, inputSize };
}
