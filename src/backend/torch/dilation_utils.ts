import { Dilation2DAttrs, backend_util } from '@tensorflow/tfjs-core';
import { NativeAttrs } from './binding';

/** Native attributes of tfjs's dilation2d (NHWC): strides, dilations and tfjs's pads [top, bottom, left, right]. */
export function dilationAttrs(xShape: number[], filterShape: number[], attrs: Dilation2DAttrs): NativeAttrs {
  const info = backend_util.computeDilation2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number],
    attrs.strides,
    attrs.pad,
    'NHWC',
    attrs.dilations,
  );
  const p = info.padInfo;
  return {
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.bottom, p.left, p.right],
  };
}
