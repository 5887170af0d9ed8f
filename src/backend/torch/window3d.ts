import { backend_util } from '@tensorflow/tfjs-core';
import { NativeAttrs } from './binding';
import { grownPad } from './kernel_utils';

/**
 * Native attributes of the 3-D (NDHWC) convolutions and pools: window,
 * strides, dilations and pads [front, back, top, bottom, left, right] as
 * tfjs computes them. tfjs's 3-D kernels take NDHWC only.
 */
type Triple = [number, number, number] | number;

function requireNDHWC(dataFormat: string | undefined, kernelName: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NDHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`torch backend: ${kernelName} supports NDHWC only, got dataFormat ${dataFormat}`);
  }
}

function windowAttrs(info: backend_util.Conv3DInfo, back: number, bottom: number, right: number): NativeAttrs {
  const p = info.padInfo;
  return {
    filterSize: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    dilations: [info.dilationDepth, info.dilationHeight, info.dilationWidth],
    pads: [p.front, back, p.top, bottom, p.left, right],
  };
}

export interface Conv3DParams {
  strides: Triple;
  pad: 'valid' | 'same';
  dilations?: Triple;
  dataFormat?: string;
}

export function conv3dAttrs(kernelName: string, xShape: number[], filterShape: number[], p: Conv3DParams): NativeAttrs {
  requireNDHWC(p.dataFormat, kernelName);
  const info = backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number],
    filterShape as [number, number, number, number, number],
    p.strides,
    p.dilations ?? 1,
    p.pad,
  );
  return windowAttrs(info, info.padInfo.back, info.padInfo.bottom, info.padInfo.right);
}

export interface Pool3DParams {
  filterSize: Triple;
  strides: Triple;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

function pool3dInfo(xShape: number[], p: Pool3DParams): backend_util.Conv3DInfo {
  return backend_util.computePool3DInfo(
    xShape as [number, number, number, number, number],
    p.filterSize,
    p.strides,
    1,
    p.pad,
    p.dimRoundingMode,
  );
}

/** tfjs's output shape of a 3-D pool (it may have a zero dimension: a window larger than a 'valid' input). */
export function pool3dOutShape(xShape: number[], p: Pool3DParams): number[] {
  return pool3dInfo(xShape, p).outShape;
}

/** As 2-D poolAttrs: the trailing pads grow so that tfjs's output size fits. */
export function pool3dAttrs(kernelName: string, xShape: number[], p: Pool3DParams): NativeAttrs {
  requireNDHWC(p.dataFormat, kernelName);
  const info = pool3dInfo(xShape, p);
  const pad = info.padInfo;
  return windowAttrs(
    info,
    grownPad(info.inDepth, pad.front, pad.back, info.outDepth, info.filterDepth, info.strideDepth),
    grownPad(info.inHeight, pad.top, pad.bottom, info.outHeight, info.filterHeight, info.strideHeight),
    grownPad(info.inWidth, pad.left, pad.right, info.outWidth, info.filterWidth, info.strideWidth),
  );
}
