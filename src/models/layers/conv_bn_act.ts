/** Conv → BN → activation, the unit every family is built from (timm's ConvNormAct). */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConvPad } from '../../ops';
import { GroupedConv2D } from './grouped_conv2d';
import { BatchNorm } from './batch_norm';
import { Activation, activation } from './activation';

export interface ConvBnActArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: ConvPad;
  groups?: number;
  /** 'none' leaves the BN output linear (the last conv of a residual branch, linear bottlenecks). */
  act?: Activation;
  gammaInit?: 'ones' | 'zeros';
}

/** Layers are named `${name}.conv`, `${name}.bn`, `${name}.act`. */
export function convBnAct(x: tfl.SymbolicTensor, args: ConvBnActArgs, name: string): tfl.SymbolicTensor {
  const conv = new GroupedConv2D({
    filters: args.filters, kernelSize: args.kernelSize, strides: args.strides, padding: args.padding, groups: args.groups, name: `${name}.conv`,
  });
  const bn = new BatchNorm({ gammaInit: args.gammaInit, name: `${name}.bn` });
  const y = bn.apply(conv.apply(x)) as tfl.SymbolicTensor;
  return activation(y, args.act ?? 'relu', `${name}.act`);
}
