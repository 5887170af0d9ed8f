/**
 * The model zoo's single entry point (timm's create_model, torchvision's
 * get_model): families register builders with their default options and the
 * paper's printed sizes beside them; createModel validates the options,
 * drops undefined ones so family defaults apply, and builds.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import type { ModelConfig } from '../config/run-config';

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

export interface ModelDefinition<O extends CommonOptions = ModelOptions> {
  name: string;
  description: string;
  /** Every option the family accepts, with its default. */
  defaults: O;
  paperSizes?: PaperSize[];
  /** Throws UserError for a value the family cannot build. */
  validate?: (options: O) => void;
  build: (options: O) => tfl.LayersModel;
}

export const COMMON_DEFAULTS: CommonOptions = { numClasses: 1000, inputSize: 224, width: 1 };

/**
 * The registered families. The built-in ones register when models/index.ts
 * loads families.ts, so code outside models/ imports the zoo from there: the
 * registry imports no family (they import it).
 */
const registry = new Map<string, ModelDefinition>();

export function registerModel<O extends CommonOptions>(definition: ModelDefinition<O>): void {
  if (registry.has(definition.name)) throw new Error(`model "${definition.name}" is already registered`);
  registry.set(definition.name, definition as unknown as ModelDefinition);
}

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

function typeOf(v: unknown): string {
  return Array.isArray(v) ? 'list of numbers' : typeof v;
}

/** The family's defaults overlaid with the given (defined) options, type-checked. */
export function resolveModelOptions(name: string, options: Record<string, unknown> = {}): ModelOptions {
  const def = getModelDefinition(name);
  const accepted = Object.keys(def.defaults);
  const resolved: Record<string, unknown> = { ...def.defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in def.defaults)) {
      throw new UserError(`model ${name} does not take option "${key}"; it takes: ${accepted.join(', ')}`);
    }
    const want = typeOf(def.defaults[key]);
    const ok = want === 'list of numbers' ? Array.isArray(value) && value.every((v) => typeof v === 'number') : typeOf(value) === want;
    if (!ok) throw new UserError(`model ${name} option "${key}": expected a ${want}, got ${JSON.stringify(value)}`);
    resolved[key] = value;
  }
  const opts = resolved as ModelOptions;
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
