import {
  BackendTimingInfo,
  BackendValues,
  DataId,
  DataStorage,
  DataType,
  KernelBackend,
  TensorInfo,
  engine,
  util,
} from '@tensorflow/tfjs-core';
import { NATIVE_DTYPES, NativeAttrs, NativeDtype, NativeInfo, NativePlanInfo, NativeTensor, TorchBinding } from './binding';
import { hostBackend } from './host_backend';
import type { NativeOp } from './native_ops';

/**
 * What the backend keeps per dataId: values written from JS and not yet
 * needed natively (`values`, uploaded lazily; string tensors stay so), an
 * ATen tensor handle, or (complex64) a tensor of the private host cpu backend.
 */
interface TensorData {
  handle: number;
  values?: BackendValues;
  host?: TensorInfo;
  shape: number[];
  dtype: StoredDtype;
  refCount: number;
}

/**
 * Dtypes the backend stores: ATen's three, strings kept in JS, and complex64
 * kept as host cpu tensors (tfjs's cpu kernels pair a real and an imaginary part).
 */
type StoredDtype = NativeDtype | 'string' | 'complex64';

function checkDtype(dtype: DataType): StoredDtype {
  if (dtype === 'string' || dtype === 'complex64' || (NATIVE_DTYPES as readonly string[]).includes(dtype)) {
    return dtype as StoredDtype;
  }
  throw new Error(`the torch backend does not support dtype '${dtype}'`);
}

/** Typed array of the exact dtype the addon copies from. */
function toTypedArray(values: BackendValues, dtype: NativeDtype): Float32Array | Int32Array | Uint8Array {
  const wanted = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
  if (values instanceof wanted) return values;
  return wanted.from(values as ArrayLike<number>);
}

/**
 * A tfjs KernelBackend whose tensors are ATen tensors in the torch addon. One
 * ATen tensor per dataId; freed as soon as tfjs drops the last reference.
 */
export class TorchBackend extends KernelBackend {
  private readonly data: DataStorage<TensorData>;
  /** Set while peakBytesDuring runs: the most bytes ATen held after any kernel so far. */
  private peak: { bytes: number } | undefined;

  constructor(readonly binding: TorchBinding) {
    super();
    this.data = new DataStorage<TensorData>(this, engine());
  }

  // ------------------------------------------------------------ storage

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.move(dataId, values, shape, dtype, 1);
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    if (dtype === 'complex64') {
      const host = { dataId: hostBackend().write(values, shape, dtype), shape, dtype };
      this.data.set(dataId, { handle: 0, host, shape, dtype, refCount });
      return;
    }
    this.data.set(dataId, { handle: 0, values, shape, dtype: checkDtype(dtype), refCount });
  }

  /** Takes over a tensor of the host cpu backend (a complex64 result of a host-side kernel). */
  adoptHost(host: TensorInfo): TensorInfo {
    const dataId = {};
    this.data.set(dataId, { handle: 0, host, shape: host.shape, dtype: checkDtype(host.dtype), refCount: 1 });
    return { dataId, shape: host.shape, dtype: host.dtype };
  }

  /** The host cpu tensor behind a complex64 tensor; undefined for the others. */
  hostTensor(info: TensorInfo): TensorInfo | undefined {
    return this.data.get(info.dataId).host;
  }

  /** A TensorInfo over JS values (kernels computed in JS, e.g. Range). */
  makeTensorInfo(shape: number[], dtype: DataType, values: BackendValues): TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  override readSync(dataId: DataId): BackendValues {
    const d = this.data.get(dataId);
    if (d.host !== undefined) return hostBackend().readSync(d.host.dataId);
    return d.values ?? this.binding.read(d.handle);
  }

  override read(dataId: DataId): Promise<BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  override refCount(dataId: DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: DataId): void {
    this.data.get(dataId).refCount++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    if (d.handle !== 0) this.binding.dispose(d.handle);
    if (d.host !== undefined) hostBackend().disposeData(d.host.dataId);
    this.data.delete(dataId);
    return true;
  }

  /** Frees a kernel's intermediate result (one the engine never saw). */
  disposeIntermediate(info: TensorInfo): void {
    this.disposeData(info.dataId);
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): { unreliable: boolean; numBytesInATen: number; numATenTensors: number } {
    return { unreliable: false, numBytesInATen: this.binding.memoryBytes(), numATenTensors: this.binding.numHandles() };
  }

  /**
   * Runs f and returns the most bytes ATen's tensors held after any kernel
   * during it, each storage counted once. tfjs's engine counts bytes per
   * dataId, and here a reshape is a view with a dataId of its own, so its
   * peakBytes counts views as copies. Sums every storage after every kernel:
   * for measuring, not for timed runs. Nests: an inner call's peak also
   * counts in the outer one's.
   */
  peakBytesDuring(f: () => void): number {
    const outer = this.peak;
    const peak = { bytes: this.binding.memoryBytes() };
    this.peak = peak;
    try {
      f();
      return peak.bytes;
    } finally {
      if (outer !== undefined) outer.bytes = Math.max(outer.bytes, peak.bytes);
      this.peak = outer;
    }
  }

  override async time(f: () => void): Promise<BackendTimingInfo> {
    const start = util.now();
    f();
    return { kernelMs: util.now() - start };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    // Handles are freed by disposeData; tfjs disposes every tensor before this.
  }

  // ---------------------------------------------------------- execution

  /** The ATen handle behind a tensor, uploading written values on first use. */
  handle(info: TensorInfo): number {
    const d = this.data.get(info.dataId);
    if (d.handle === 0) {
      if (d.dtype === 'string' || d.dtype === 'complex64') {
        throw new Error(`torch backend: ${d.dtype} tensors stay in JS and have no ATen tensor`);
      }
      d.handle = this.binding.create(toTypedArray(d.values as BackendValues, d.dtype), d.shape, d.dtype);
      d.values = undefined;
    }
    return d.handle;
  }

  /**
   * Runs one native op; every kernel goes through here. Absent optional
   * inputs are passed as undefined. Returns the outputs as new tensors.
   */
  execute(name: NativeOp, inputs: Array<TensorInfo | undefined>, attrs: NativeAttrs = {}): TensorInfo[] {
    const handles = inputs.map((t) => (t === undefined ? 0 : this.handle(t)));
    const outputs = this.binding.op(name, handles, attrs).map((out) => this.adopt(out));
    if (this.peak !== undefined) this.peak.bytes = Math.max(this.peak.bytes, this.binding.memoryBytes());
    return outputs;
  }

  /** execute() for the common one-output case. */
  execute1(name: NativeOp, inputs: Array<TensorInfo | undefined>, attrs: NativeAttrs = {}): TensorInfo {
    return this.execute(name, inputs, attrs)[0];
  }

  // ------------------------------------------------------------- plans

  /**
   * Runs `pass` eagerly while the addon records its native ops as a plan
   * over `inputs` (native/src/plan.h); returns the pass's outputs and the
   * plan, or why there is none. The recording ends also when the pass throws.
   */
  record<T extends TensorInfo>(inputs: readonly TensorInfo[], pass: () => T[]): { outputs: T[]; plan?: number; reason?: string } {
    this.binding.recordBegin(inputs.map((t) => this.handle(t)));
    let outputs: T[];
    try {
      outputs = pass();
    } catch (err) {
      this.binding.recordEnd([]);
      throw err;
    }
    // An output written from JS values (handle 0) is one the recording did not make: recordEnd says so.
    return { outputs, ...this.binding.recordEnd(outputs.map((t) => this.data.get(t.dataId).handle)) };
  }

  /** While recording: `t`, drawn in JS for this call (a dropout mask), is the plan's next input, not a constant. */
  markDrawn(t: TensorInfo): void {
    this.binding.recordDrawn(this.handle(t));
  }

  /** Whether replay() goes through each plan's own buffers, captured as a CUDA graph on cuda (runtime.cudaGraphs). */
  cudaGraphs = false;

  /** Replays a plan on `inputs` (the recorded shapes and dtypes, in the recorded order); its outputs as new tensors. */
  replay(plan: number, inputs: readonly TensorInfo[]): TensorInfo[] {
    return this.binding.replay(plan, inputs.map((t) => this.handle(t)), this.cudaGraphs).map((out) => this.adopt(out));
  }

  samePlans(a: number, b: number): boolean {
    return this.binding.planSame(a, b);
  }

  planInfo(plan: number): NativePlanInfo {
    return this.binding.planInfo(plan);
  }

  disposePlan(plan: number): void {
    this.binding.planDispose(plan);
  }

  private adopt(out: NativeTensor): TensorInfo {
    const dtype = NATIVE_DTYPES[out.dtype];
    const dataId = {};
    this.data.set(dataId, { handle: out.id, shape: out.shape, dtype, refCount: 1 });
    return { dataId, shape: out.shape, dtype };
  }

  setThreads(n: number): number {
    return this.binding.setThreads(n);
  }

  nativeInfo(): NativeInfo {
    return this.binding.info();
  }
}
