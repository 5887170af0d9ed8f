import * as fs from 'node:fs';
import type { RunConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { checkSafeName } from '../util/safe-names';
import { modelOptionsFromConfig, resolveModelOptions } from '../models';
import { checkTestList, HERLEV2_CLASSES, HERLEV_CLASSES } from '../data';

/**
 * The class count a config implies before any data is read: Herlev's tasks
 * and the synthetic set fix it; a folder or CSV dataset reveals it only when
 * scanned (then 2, the least a classifier has, stands in for the model check).
 */
export function classCountFromConfig(config: RunConfig): number {
  const { data } = config;
  if (data.task === 'herlev7') return HERLEV_CLASSES.length;
  if (data.task === 'herlev2') return HERLEV2_CLASSES.length;
  if (data.source === 'synthetic') return data.synthetic.classes;
  return 2;
}

function checkOutDir(config: RunConfig, source: string): void {
  const out = config.runtime.outDir;
  if (out.trim() === '') throw new UserError(`${source}: runtime.outDir: expected a folder, got ""`);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) {
    throw new UserError(`${source}: runtime.outDir: ${out} is a file, not a folder`);
  }
}

/**
 * Everything about a resolved run config that can be checked before any work
 * (loading data, creating the run folder): the run name is a safe file name,
 * the output folder is a folder, the model name and its options build in the
 * zoo, a test list named by data.split.test exists. `source` names the config file.
 */
export function checkRunConfig(config: RunConfig, source: string): void {
  checkSafeName(config.name, `${source}: name`);
  checkOutDir(config, source);
  checkTestList(config.data.split, source);
  try {
    resolveModelOptions(config.model.name, modelOptionsFromConfig(config.model, classCountFromConfig(config), config.data.inputSize));
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${source}: model: ${err.message}`);
    throw err;
  }
}
