/**
 * The suite state file (results/<suite>/state.json): for every run × fold,
 * the config hash, the run folder and, once finished, the collected metrics.
 * It is rewritten atomically after every change, so a killed suite restarts
 * where it stopped: finished folds are reused, a running one is resumed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { lockFolder } from '../util/files';
import { CsvValue } from '../util/csv';
import { readJson, writeJson } from '../util/json';

/** One point of a validation curve (Fig. 6). */
export interface CurvePoint {
  epoch: number;
  step: number;
  valTop1: number;
}

export interface FoldEntry {
  configHash: string;
  runDir: string;
  status: 'running' | 'done';
  /** The runs.csv row, once done. */
  row?: Record<string, CsvValue>;
  curve?: CurvePoint[];
}

/** Memory and latency of one model, measured once per run in a fresh process. */
export interface ProbeEntry {
  hash: string;
  result: Record<string, number>;
}

export interface SuiteState {
  version: 1;
  suite: string;
  protocol: string;
  folds: Record<string, FoldEntry>;
  probes: Record<string, ProbeEntry>;
}

/** The state's key of one fold-run: `<run id>/fold<fold>` in the first repeat (as before repeats existed), `<run id>/r<repeat>/fold<fold>` after. */
export function foldKey(runId: string, slot: { repeat: number; fold: number }): string {
  return `${runId}/${repeatPart(slot.repeat, '/')}fold${slot.fold}`;
}

/** The repeat's part of a fold-run's name: nothing for the first repeat, so single-repeat suites keep their keys and folders. */
export const repeatPart = (repeat: number, separator: string): string => (repeat === 0 ? '' : `r${repeat}${separator}`);

/** The run id, repeat and fold of a key written by foldKey. */
export function parseFoldKey(key: string): { runId: string; repeat: number; fold: number } | undefined {
  const match = /^([^/]+)\/(?:r(\d+)\/)?fold(\d+)$/.exec(key);
  return match ? { runId: match[1], repeat: Number(match[2] ?? 0), fold: Number(match[3]) } : undefined;
}

/** A stable hash of a JSON-able value: keys sorted so that key order never matters. */
export function stableHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 16);
}

export function readSuiteState(file: string, suite: string, protocol: string): SuiteState {
  if (!fs.existsSync(file)) return { version: 1, suite, protocol, folds: {}, probes: {} };
  const state = readJson<SuiteState>(file);
  if (state.suite !== suite || state.protocol !== protocol) {
    throw new UserError(
      `${file} holds suite "${state.suite}" under protocol "${state.protocol}", not "${suite}" under "${protocol}": `
      + 'pass --out <folder> to keep each protocol\'s results apart',
    );
  }
  return state;
}

export function writeSuiteState(file: string, state: SuiteState): void {
  writeJson(file, state);
}

/**
 * Takes the results folder for this process: two runners on one suite would
 * each rewrite state.json from their own copy and drop the other's folds.
 * (Each fold's run folder is locked by the trainer as well, so two suites
 * with different --out never train the same fold folder at once.) A lock
 * left by a killed runner (its pid is gone) is taken over. Returns the
 * release function.
 */
export function lockSuiteDir(dir: string): () => void {
  return lockFolder(dir, "this suite's results; wait for it, or pass --out <folder>", 'runner');
}
