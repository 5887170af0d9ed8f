/**
 * The PyTorch eager baseline (scripts/bench_pytorch.py, torchvision's models):
 * the same figures on the same device, for ratios. The CLI never installs it
 * on its own: when Debian's PyTorch is missing it says what to install, and
 * installBaseline (bench --install-baseline) is the explicit way.
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../util/files';

/** Debian's python3, where apt installs python3-torch. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const DEBIAN_PACKAGES = ['python3-torch', 'python3-torchvision'] as const;
const MiB = 1024 * 1024;

export interface PytorchModel {
  train_img_s?: number;
  latency_ms?: number;
  /** VmHWM of the script's process after the model's run, as ours. */
  peak_rss_mib?: number;
  skipped?: string;
}

export interface PytorchResult {
  torch_version: string;
  threads: number;
  models: Record<string, PytorchModel>;
}

/** The sizes, steps and timing that both sides of a comparison share. */
export interface ComparisonSetup {
  size: number;
  batch: number;
  classes: number;
  /** Untimed training steps, then `steps` timed ones. */
  warmup: number;
  steps: number;
  /** Timed batch-1 passes after `latencyWarmup` untimed ones. */
  latencyRuns: number;
  latencyWarmup: number;
  device: 'cpu' | 'cuda';
  /** PyTorch in channels_last memory format (default: its NCHW). */
  channelsLast: boolean;
}

export interface PytorchRequest extends ComparisonSetup {
  models: string[];
  /** The count in effect on our side (PyTorch rejects 0 for "all cores"). */
  threads: number;
}

function pytorchAvailable(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

/** Why the baseline cannot run with `python`, and what to do about it; undefined when it can. */
export function missingPytorch(python: string): string | undefined {
  if (pytorchAvailable(python)) return undefined;
  if (python !== DEBIAN_PYTHON) return `${python} cannot import torch and torchvision`;
  return `${python} lacks torch/torchvision: install Debian's ${DEBIAN_PACKAGES.join(' and ')} ` +
    `(apt-get install -y ${DEBIAN_PACKAGES.join(' ')}, as root) or run dresnet bench --install-baseline`;
}

/** bench --install-baseline: Debian's packages with apt-get, as root; the reason when it did not work. */
export function installBaseline(python: string): string | undefined {
  if (!missingPytorch(python)) return undefined;
  if (python !== DEBIAN_PYTHON) return `--install-baseline installs Debian's PyTorch for ${DEBIAN_PYTHON}, not for ${python}`;
  if (process.getuid?.() !== 0) return `--install-baseline needs root to run apt-get install -y ${DEBIAN_PACKAGES.join(' ')}`;
  process.stderr.write(`dresnet bench: installing ${DEBIAN_PACKAGES.join(' and ')} (apt-get)\n`);
  spawnSync('apt-get', ['install', '-y', ...DEBIAN_PACKAGES], { stdio: 'inherit' });
  return missingPytorch(python);
}

/** Runs the script; its result, or why there is none. */
export function runPytorch(python: string, req: PytorchRequest): PytorchResult | string {
  const missing = missingPytorch(python);
  if (missing) return missing;
  const args = [
    path.join(packageRoot(), 'scripts', 'bench_pytorch.py'), '--models', req.models.join(','), '--size', String(req.size),
    '--batch', String(req.batch), '--threads', String(req.threads), '--classes', String(req.classes), '--warmup', String(req.warmup),
    '--steps', String(req.steps), '--latency-runs', String(req.latencyRuns), '--latency-warmup', String(req.latencyWarmup),
    '--device', req.device, ...(req.channelsLast ? ['--channels-last'] : []),
  ];
  const res = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MiB });
  if (res.status !== 0) return `scripts/bench_pytorch.py failed (exit ${res.status})`;
  return JSON.parse(res.stdout) as PytorchResult;
}
