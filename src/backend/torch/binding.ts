import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../util/files';
import type { NativeOp } from './native_ops';

/** Dtype codes the addon uses for the three dtypes it stores. */
export const NATIVE_DTYPES = ['float32', 'int32', 'bool'] as const;
export type NativeDtype = (typeof NATIVE_DTYPES)[number];

/** One tensor the addon created: its handle, dtype code and shape. */
export interface NativeTensor {
  id: number;
  dtype: number;
  shape: number[];
}

/** Attributes of a native op, normalised by the calling kernel. */
export type NativeAttrs = Record<string, number | boolean | string | number[] | undefined>;

export interface NativeInfo {
  libtorchVersion: string;
  cudaAvailable: boolean;
  /** Built with CUDA graph capture (a CUDA libtorch and CUDA's runtime headers; native/src/graph.h). */
  cudaGraphs: boolean;
  mkldnn: boolean;
  threads: number;
  device: string;
  parallelInfo: string;
  floatType: FloatType;
}

/**
 * ATen type of tfjs float32 tensors: float32, or float64 as a reference mode
 * (stored and computed in double; reads narrow back to Float32Array).
 */
export type FloatType = 'float32' | 'float64';

/** What a recorded plan holds (native/src/plan.h). */
export interface NativePlanInfo {
  steps: number;
  constants: number;
  inputs: number;
  outputs: number;
  /** Replayed through its own buffers: 'captured' (a CUDA graph), 'steps' (op by op), or 'not captured: <why>'. */
  graph?: string;
}

/** The whole surface of native/src/addon.cc. */
export interface TorchBinding {
  /** Copies `values` into a new ATen tensor on the current device; returns its handle. */
  create(values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype: NativeDtype): number;
  /** Copies a tensor back to a new typed array. */
  read(id: number): Float32Array | Int32Array | Uint8Array;
  dispose(id: number): void;
  /** Runs a named op of native/src/ops.cc's table; input handle 0 = absent optional input. */
  op(name: NativeOp, inputs: number[], attrs: NativeAttrs): NativeTensor[];
  /** Records the ops that follow as a plan over these input handles (native/src/plan.h). */
  recordBegin(inputs: number[]): void;
  /** Makes a tensor the pass drew in JS for this call (a dropout mask) the plan's next input, drawn anew per replay. */
  recordDrawn(id: number): void;
  /** Ends the recording: the plan, or why the pass cannot be one. Empty outputs abandon it. */
  recordEnd(outputs: number[]): { plan?: number; reason?: string };
  /** Runs a plan in one call on these input handles (the recorded shapes and dtypes); its outputs as new handles. */
  replay(plan: number, inputs: number[], graph: boolean): NativeTensor[];
  /** Whether two plans have the same steps, attributes, slots and constant values. */
  planSame(a: number, b: number): boolean;
  planInfo(plan: number): NativePlanInfo;
  planDispose(plan: number): void;
  /** The op table's names, sorted (native_ops.ts lists them for the TypeScript side). */
  opNames(): string[];
  /** Bytes of ATen storage held by live handles (shared storages counted once). */
  memoryBytes(): number;
  numHandles(): number;
  /** Live handles per device type ('cpu', 'cuda'). */
  placement(): Record<string, number>;
  /** Whether CUDA float32 convolutions and matmuls may use TF32 (no effect on CPU). */
  setTF32(allowed: boolean): void;
  /** Sets ATen's intra-op thread count (n > 0) and returns the count in effect. */
  setThreads(n: number): number;
  setDevice(device: 'cpu' | 'cuda'): void;
  /** Sets the ATen type of float32 tensors; converts the live ones. */
  setFloatType(type: FloatType): void;
  info(): NativeInfo;
}

export const ADDON_PATH = path.join(packageRoot(), 'native', 'build', 'Release', 'dresnet_torch.node');

export const HOW_TO_GET_LIBTORCH =
  'install libtorch (Debian/Ubuntu: apt-get install libtorch-dev, or set LIBTORCH=/path/to/libtorch ' +
  "or a PyTorch install's torch/ folder) and run npm install again to build native/";

let cached: TorchBinding | undefined;

/** Loads the addon once; throws an Error that says how to build it when it is missing. */
export function loadBinding(): TorchBinding {
  if (cached) return cached;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(`the torch backend's native addon is not built (${ADDON_PATH} is missing): ${HOW_TO_GET_LIBTORCH}`);
  }
  // A computed path keeps bundlers (the tfjs-core test bundle) from inlining the addon.
  const load: NodeRequire = require;
  cached = load(ADDON_PATH) as TorchBinding;
  return cached;
}
