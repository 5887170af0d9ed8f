import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../util/files';

export interface Provenance {
  gitCommit: string | null;
  gitDirty: boolean | null;
  packages: Record<string, string>;
  machine: {
    platform: string;
    arch: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
  };
}

/** The packages whose versions decide the numbers of a run. */
const RECORDED_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'sharp',
];

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null; // not a checkout (an installed package): provenance says so with null
  }
}

function installedVersion(name: string): string | undefined {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [packageRoot()] });
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function provenance(): Provenance {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  const packages: Record<string, string> = {
    dresnet: JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version,
  };
  for (const name of RECORDED_PACKAGES) {
    const v = installedVersion(name);
    if (v) packages[name] = v;
  }
  const cpus = os.cpus();
  return {
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    packages,
    machine: {
      platform: `${os.platform()} ${os.release()}`,
      arch: os.arch(),
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
  };
}
