import {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  backend_util,
  util,
} from '@tensorflow/tfjs-core';
import { NativeAttrs } from './binding';
import { TorchBackend } from './backend';
import { runOnCpu } from './cpu_fallback';
import type { NativeOp } from './native_ops';

export const BACKEND_NAME = 'torch';

/**
 * tfjs types every named input as possibly undefined; the engine checks the
 * required ones, and optional ones (fused bias) go to execute(), which takes
 * undefined for an absent input.
 */
type Defined<I> = { [K in keyof I]-?: Exclude<I[K], undefined> };

function isHostDtype(t: TensorInfo | undefined): boolean {
  return t?.dtype === 'string' || t?.dtype === 'complex64';
}

function hasHostInput(inputs: NamedTensorInfoMap): boolean {
  return Object.values(inputs).some((t) => (Array.isArray(t) ? t.some(isHostDtype) : isHostDtype(t)));
}

/**
 * A KernelConfig for the torch backend from a function of (inputs, backend,
 * attrs). String and complex64 tensors live in JS (ATen has neither dtype
 * here), so a kernel given one runs tfjs's cpu kernel of the same name on them.
 */
export function torchKernel<I = NamedTensorInfoMap, A = NamedAttrMap>(
  kernelName: string,
  run: (inputs: Defined<I>, backend: TorchBackend, attrs: A) => TensorInfo | TensorInfo[],
): KernelConfig {
  const kernelFunc = (({ inputs, backend, attrs }) =>
    hasHostInput(inputs)
      ? runOnCpu(kernelName, inputs, backend as TorchBackend, attrs)
      : run(inputs as unknown as Defined<I>, backend as TorchBackend, attrs as unknown as A)) as KernelFunc;
  return { kernelName, backendName: BACKEND_NAME, kernelFunc };
}

/** A kernel that always runs host-side on tfjs's cpu kernel (see cpu_fallback.ts for which and why). */
export function cpuKernel(kernelName: string): KernelConfig {
  const kernelFunc = (({ inputs, backend, attrs }) => runOnCpu(kernelName, inputs, backend as TorchBackend, attrs)) as KernelFunc;
  return { kernelName, backendName: BACKEND_NAME, kernelFunc };
}

/** Elementwise op of one input `x`, native op of the same name. */
export function unaryKernel(kernelName: NativeOp): KernelConfig {
  return torchKernel<{ x: TensorInfo }>(kernelName, ({ x }, backend) => backend.execute1(kernelName, [x]));
}

/** Broadcasting op of inputs `a`, `b`, native op of the same name. */
export function binaryKernel(kernelName: NativeOp): KernelConfig {
  return torchKernel<{ a: TensorInfo; b: TensorInfo }>(kernelName, ({ a, b }, backend) =>
    backend.execute1(kernelName, [a, b]),
  );
}

/**
 * Reduction of `x` over `axis` (tfjs: number, array or all when absent; Max
 * names it `reductionIndices`).
 */
export function reductionKernel(kernelName: NativeOp): KernelConfig {
  type Attrs = { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
  return torchKernel<{ x: TensorInfo }, Attrs>(kernelName, ({ x }, backend, attrs) => {
    const axis = attrs.axis ?? attrs.reductionIndices ?? x.shape.map((_, i) => i);
    return backend.execute1(kernelName, [x], { axis: util.parseAxisParam(axis, x.shape), keepDims: attrs.keepDims });
  });
}

/** One normalised axis of a tensor of the given shape. */
export function oneAxis(axis: number | number[], shape: number[]): number {
  return util.parseAxisParam(axis, shape)[0];
}

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Pair = [number, number] | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function requireNHWC(dataFormat: string | undefined, kernelName: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`torch backend: ${kernelName} supports NHWC only, got dataFormat ${dataFormat}`);
  }
}

export function windowAttrs(info: backend_util.Conv2DInfo): NativeAttrs {
  const p = info.padInfo;
  return {
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.bottom, p.left, p.right],
  };
}

export interface ConvParams {
  strides: Pair;
  pad: Pad;
  dilations?: Pair;
  dimRoundingMode?: Rounding;
  dataFormat?: string;
}

/**
 * Native conv attributes (strides, dilations, pads) for an NHWC input shape
 * and a tfjs filter shape [kh, kw, in, out]; tfjs decides where odd padding goes.
 */
export function convAttrs(kernelName: string, xShape: number[], filterShape: number[], p: ConvParams, depthwise = false): NativeAttrs {
  return windowAttrs(convInfo(kernelName, xShape, filterShape, p, depthwise));
}

/** tfjs's geometry of a conv of an input of `xShape` (NHWC) with a filter of `filterShape`. */
export function convInfo(kernelName: string, xShape: number[], filterShape: number[], p: ConvParams, depthwise = false): backend_util.Conv2DInfo {
  requireNHWC(p.dataFormat, kernelName);
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    p.strides,
    p.dilations ?? 1,
    p.pad,
    p.dimRoundingMode,
    depthwise,
  );
}

export interface PoolParams {
  filterSize: Pair;
  strides: Pair;
  pad: Pad;
  dimRoundingMode?: Rounding;
}

function poolInfo(xShape: number[], p: PoolParams): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(xShape as [number, number, number, number], p.filterSize, p.strides, 1, p.pad, p.dimRoundingMode);
}

/** The trailing pad of one axis, grown so that `out` windows fit (see poolAttrs). */
export function grownPad(size: number, before: number, after: number, out: number, k: number, stride: number): number {
  return Math.max(after, (out - 1) * stride + k - size - before);
}

/**
 * Native pooling attributes. tfjs's output size (rounding modes, numeric
 * pads) may need windows past the padded input, even wholly in the padding;
 * the bottom/right pad grows to cover them, so ATen's floor-mode size is tfjs's.
 */
export function poolAttrs(xShape: number[], p: PoolParams): NativeAttrs {
  const info = poolInfo(xShape, p);
  const pad = info.padInfo;
  const bottom = grownPad(info.inHeight, pad.top, pad.bottom, info.outHeight, info.filterHeight, info.strideHeight);
  const right = grownPad(info.inWidth, pad.left, pad.right, info.outWidth, info.filterWidth, info.strideWidth);
  return { ...windowAttrs(info), pads: [pad.top, bottom, pad.left, right], filterSize: [info.filterHeight, info.filterWidth] };
}

/**
 * tfjs's backends return a 1x1 pool whose output shape equals its input's
 * as the input itself, whatever the stride and padding; so does this one.
 */
export function poolIsIdentity(xShape: number[], p: PoolParams): boolean {
  const info = poolInfo(xShape, p);
  return info.filterHeight === 1 && info.filterWidth === 1 && util.arraysEqual(info.inShape, info.outShape);
}
