/**
 * Finished `dresnet train` runs that a suite can adopt instead of training:
 * a single-fold run folder directly under the runs root whose resolved config
 * has the same result hash as the suite's fold-run (so the same data, split,
 * seed, model and training; the name and output folder do not count).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRunConfig } from '../config/load';
import { RunConfig } from '../config/run-config';

/** The run folders directly under runsRoot that hold a resolved config of one fold, by result hash. */
export function trainedRunsByHash(runsRoot: string, hashOf: (config: RunConfig) => string): Map<string, string> {
  const found = new Map<string, string>();
  if (!fs.existsSync(runsRoot)) return found;
  for (const name of fs.readdirSync(runsRoot).sort()) {
    const dir = path.join(runsRoot, name);
    const configFile = path.join(dir, 'config.yaml');
    if (name === 'suites' || !fs.existsSync(configFile) || !fs.existsSync(path.join(dir, 'report.json'))) continue;
    let config: RunConfig;
    try {
      config = loadRunConfig(configFile);
    } catch {
      continue; // Written by another version of the tool, or damaged: not a candidate.
    }
    if (typeof config.train.fold !== 'number') continue;
    const hash = hashOf(config);
    if (!found.has(hash)) found.set(hash, dir);
  }
  return found;
}
