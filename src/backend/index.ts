import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { installFreeingBackprop } from '../engine';
import { UserError } from '../util/errors';
import {
  FloatType, HOW_TO_GET_LIBTORCH, HOW_TO_GET_OPENBLAS, TorchBackend, TorchBinding, isReferenceBlas, loadBinding, loadedBlas, registerTorchBackend,
} from './torch';
import { registerFastCpuKernels } from './cpu';

export { CompiledPass } from './compiled';
export type { PassMode } from './compiled';

/**
 * tfjs's cpu backend prints "install our node backend (tfjs-node)" on its
 * first tensor in Node; that package cannot be installed here and is not this
 * tool's fast path (each command says which backend it runs on). The notice
 * is printed once per backend instance, so marking the instance as used
 * silences only it, not tfjs's other warnings. The instance is also made the
 * active one until a command selects its backend: left unset, tfjs picks a
 * backend on the first tensor by creating a new instance, which printed the
 * notice again (suite sizing, before any fold-run selects one).
 */
function silenceTfjsNodeBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (!cpu) return;
  cpu.firstUse = false;
  // The instance exists, so setBackend switches before its first await.
  void tf.setBackend('cpu');
}

// Every process that loads a backend (the CLI, the probe's and the workers' children) is spared the notice.
silenceTfjsNodeBanner();

export type BackendName = 'torch' | 'tensorflow' | 'cpu';
export type Device = 'cpu' | 'cuda';

export interface BackendRequest {
  backend: 'auto' | BackendName;
  device: Device;
  /** Intra-op threads; 0 = all cores. */
  threads: number;
  /**
   * torch only: compute tfjs float32 tensors in ATen double, a reference for
   * numerical checks (default: float32, or float64 under DRESNET_TORCH_FLOAT64=1).
   */
  torchFloat64?: boolean;
  /** torch only: replay recorded plans through their own buffers, captured as CUDA graphs on cuda (see native/src/graph.h). */
  cudaGraphs?: boolean;
}

export interface SelectedBackend {
  name: BackendName;
  device: Device;
  threads: number;
}

export interface BackendDescription extends SelectedBackend {
  /** libtorch's version on 'torch', tfjs-node's on 'tensorflow', tfjs-core's on 'cpu'. */
  engineVersion: string;
  libtorchVersion?: string;
  /** torch: the BLAS under libtorch's matrix products (see torch/blas.ts). */
  blas?: string;
}

let current: BackendDescription | undefined;

function allCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function tensorflowPackage(device: Device): string {
  return device === 'cuda' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function tryLoadTorch(): TorchBinding | undefined {
  try {
    return loadBinding();
  } catch {
    return undefined;
  }
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new UserError(`tfjs could not initialise the '${name}' backend`);
  await tf.ready();
}

/**
 * The torch backend's float type: float32, or float64 (a reference mode for
 * numerical checks: tfjs float32 tensors are computed in ATen double) when
 * asked for or under DRESNET_TORCH_FLOAT64=1.
 */
function torchFloatType(float64: boolean | undefined): FloatType {
  if (float64 !== undefined) return float64 ? 'float64' : 'float32';
  const env = process.env.DRESNET_TORCH_FLOAT64;
  if (env === undefined || env === '' || env === '0') return 'float32';
  if (env === '1') return 'float64';
  throw new UserError(`DRESNET_TORCH_FLOAT64 must be 0 or 1, got '${env}'`);
}

async function selectTorch(device: Device, threads: number, float64: boolean | undefined, cudaGraphs: boolean): Promise<BackendDescription> {
  let binding: TorchBinding;
  try {
    binding = loadBinding();
  } catch (err) {
    throw new UserError(`--backend torch is not available: ${(err as Error).message}`);
  }
  try {
    binding.setDevice(device);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  binding.setFloatType(torchFloatType(float64));
  const inEffect = binding.setThreads(threads > 0 ? threads : allCores());
  registerTorchBackend();
  await activate('torch');
  (tf.backend() as TorchBackend).cudaGraphs = cudaGraphs;
  const version = binding.info().libtorchVersion;
  return { name: 'torch', device, threads: inEffect, engineVersion: version, libtorchVersion: version, blas: torchBlas() };
}

/** The BLAS is loaded with libtorch and stays: read once, and warn then if it is the reference one. */
let blasOnce: { name: string | undefined } | undefined;

function torchBlas(): string | undefined {
  if (blasOnce) return blasOnce.name;
  blasOnce = { name: loadedBlas() };
  if (isReferenceBlas(blasOnce.name)) {
    process.stderr.write(`dresnet: libtorch's matrix products run on the reference BLAS (libblas3), 10-20x slower than OpenBLAS; ${HOW_TO_GET_OPENBLAS}\n`);
  }
  return blasOnce.name;
}

async function selectTensorflow(device: Device, threads: number): Promise<BackendDescription> {
  const pkg = tensorflowPackage(device);
  if (!isInstalled(pkg)) {
    throw new UserError(
      `--backend tensorflow needs ${pkg}, which is not installed: it is an optional peer dependency that ` +
        'you install yourself (npm install ' + pkg + '@4.22.0), because its install downloads libtensorflow ' +
        'from the internet, which this project cannot assume; use --backend torch or cpu otherwise',
    );
  }
  // tfjs-node reads its intra-op thread count from the environment when it loads.
  if (threads > 0) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  const tfnode = require(pkg) as { version?: { 'tfjs-node'?: string } };
  await activate('tensorflow');
  return {
    name: 'tensorflow',
    device,
    threads: threads > 0 ? threads : allCores(),
    engineVersion: tfnode.version?.['tfjs-node'] ?? 'unknown',
  };
}

async function selectCpu(device: Device): Promise<BackendDescription> {
  if (device !== 'cpu') throw new UserError(`--backend cpu runs on the CPU only (device ${device} requested)`);
  // tfjs's own conv gradients, broadcasts and reductions make a DResNet step tens of times slower.
  registerFastCpuKernels();
  await activate('cpu');
  return { name: 'cpu', device, threads: 1, engineVersion: tf.version_core };
}

/** The fastest backend installed here: tfjs-node, else torch, else tfjs's pure-JS cpu. */
function autoChoice(device: Device): BackendName {
  if (isInstalled(tensorflowPackage(device))) return 'tensorflow';
  if (tryLoadTorch()) return 'torch';
  if (device === 'cuda') {
    throw new UserError(`device cuda needs ${tensorflowPackage(device)} or the torch backend built against a CUDA libtorch: ${HOW_TO_GET_LIBTORCH}`);
  }
  return 'cpu';
}

/**
 * Makes the requested backend tfjs's active one and configures its device and
 * threads, and replaces tfjs's engine.gradients by the freeing backprop
 * (src/engine/backprop.ts). Throws UserError with what to do when the
 * backend is not available.
 */
export async function selectBackend(req: BackendRequest): Promise<SelectedBackend> {
  // Training steps free each gradient and saved activation as soon as backprop is past it.
  installFreeingBackprop();
  const name = req.backend === 'auto' ? autoChoice(req.device) : req.backend;
  if (name === 'torch') current = await selectTorch(req.device, req.threads, req.torchFloat64, req.cudaGraphs ?? false);
  else if (name === 'tensorflow') current = await selectTensorflow(req.device, req.threads);
  else current = await selectCpu(req.device);
  return { name: current.name, device: current.device, threads: current.threads };
}

/** The selected backend, for reports; tfjs's active backend when selectBackend was not called. */
export function describeBackend(): BackendDescription {
  if (current && current.name === tf.getBackend()) return { ...current };
  const name = tf.getBackend() as BackendName;
  return { name, device: 'cpu', threads: name === 'cpu' ? 1 : allCores(), engineVersion: tf.version_core };
}
