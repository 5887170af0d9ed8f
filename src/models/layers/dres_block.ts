/**
 * The DResNet module (the paper's Figs. 1, 2 and 4). Two branches:
 *  - shortcut f_i(x): identity (DRes_Block) or a 1×1 conv (stride s) + BN
 *    (Match_Block, which changes width and/or resolution);
 *  - f_se(x): grouped 1×1 squeeze to round(W·out) channels (rounded to a
 *    multiple of groups) → the squeezed channels split by R between a 1×1 conv
 *    (stride s) and a 3×3 depthwise-separable
 *    conv (depthwise 3×3/s + grouped 1×1), or a standard 3×3 → concat →
 *    grouped 1×1 fusion to `out` → SE channel weighting.
 * Output ReLU(f_i(x) + f_se(x)). No channel shuffle after the grouped convs
 * (the paper rules it out). BN + ReLU follow each conv as in ResNet, except
 * the fusion and projection convs, whose BN output feeds the addition.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import * as s from '../../config/schema';
import { convBnAct } from './conv_bn_act';
import { squeezeExcite } from './squeeze_excite';

/**
 * The module's switches (the ablation's), declared once: the DResNet family's
 * option schema is these and its own, and the run config validates them.
 */
export const DRES_MODULE_SWITCHES = {
  conv3x3: s.oneOf(['separable', 'standard'] as const, { default: 'separable', doc: '3x3 path: depthwise-separable (depthwise 3x3 + grouped 1x1) or a standard 3x3' }),
  squeeze: s.number({ default: 1, min: 0.01, max: 4, doc: 'W: squeezed channels = W x output channels (rounded to a multiple of the groups)' }),
  split: s.number({ default: 0.5, min: 0, max: 1, doc: 'R: share of the squeezed channels sent to the 1x1 path' }),
  multiScale: s.boolean({ default: true, doc: 'false: all squeezed channels take the 3x3 path' }),
  se: s.boolean({ default: true, doc: 'SE channel weighting of the residual branch' }),
  seRatio: s.number({ default: 1 / 16, min: 0.01, max: 1, doc: 'SE reduction: hidden units = ratio x channels' }),
};

export type DResModuleSwitches = s.ObjectOf<typeof DRES_MODULE_SWITCHES>;

export interface DResModuleArgs extends DResModuleSwitches {
  outChannels: number;
  stride: number;
  /** 'projection' for a Match_Block, 'identity' for a DRes_Block. */
  shortcut: 'projection' | 'identity';
  /** Groups of every 1×1 conv (1 = dense pointwise). */
  groups: number;
}

function roundToGroups(value: number, groups: number): number {
  return Math.max(groups, Math.round(value / groups) * groups);
}

/** Channels of the 1×1 and 3×3 paths (either may be 0). */
export function pathChannels(squeezed: number, args: Pick<DResModuleArgs, 'split' | 'multiScale' | 'groups'>): [number, number] {
  if (!args.multiScale) return [0, squeezed];
  const oneByOne = Math.min(squeezed, Math.round((args.split * squeezed) / args.groups) * args.groups);
  return [oneByOne, squeezed - oneByOne];
}

function spatialPath(x: tfl.SymbolicTensor, args: DResModuleArgs, name: string): tfl.SymbolicTensor {
  const channels = x.shape[3] as number;
  if (args.conv3x3 === 'standard') return convBnAct(x, { filters: channels, kernelSize: 3, strides: args.stride }, `${name}.conv3x3`);
  const dw = convBnAct(x, { filters: channels, kernelSize: 3, strides: args.stride, groups: channels }, `${name}.dw`);
  return convBnAct(dw, { filters: channels, kernelSize: 1, groups: args.groups }, `${name}.pw`);
}

export function dresModule(x: tfl.SymbolicTensor, args: DResModuleArgs, name: string): tfl.SymbolicTensor {
  const { outChannels: out, stride, groups } = args;
  const [c1, c3] = pathChannels(roundToGroups(args.squeeze * out, groups), args);
  // The squeeze is one grouped 1×1 conv whose output is split by R inside
  // every group. Two grouped convs (one per path) are exactly that conv with
  // its output channels permuted (same weights, same MACs), and spare the
  // channel slicing, which is slow on the cpu backend.
  const squeeze = (channels: number, suffix: string): tfl.SymbolicTensor =>
    convBnAct(x, { filters: channels, kernelSize: 1, groups }, `${name}.squeeze${c1 > 0 && c3 > 0 ? suffix : ''}`);
  const paths: tfl.SymbolicTensor[] = [];
  if (c1 > 0) paths.push(convBnAct(squeeze(c1, '1x1'), { filters: c1, kernelSize: 1, strides: stride, groups }, `${name}.path1x1`));
  if (c3 > 0) paths.push(spatialPath(squeeze(c3, '3x3'), args, `${name}.path3x3`));
  const merged = paths.length > 1 ? tfl.layers.concatenate({ name: `${name}.concat` }).apply(paths) as tfl.SymbolicTensor : paths[0];
  let residual = convBnAct(merged, { filters: out, kernelSize: 1, groups, act: 'none' }, `${name}.fuse`);
  if (args.se) residual = squeezeExcite(residual, args.seRatio, `${name}.se`);
  const shortcut = args.shortcut === 'projection'
    ? convBnAct(x, { filters: out, kernelSize: 1, strides: stride, groups, act: 'none' }, `${name}.shortcut`)
    : x;
  const sum = tfl.layers.add({ name: `${name}.add` }).apply([shortcut, residual]) as tfl.SymbolicTensor;
  return tfl.layers.reLU({ name: `${name}.out` }).apply(sum) as tfl.SymbolicTensor;
}
