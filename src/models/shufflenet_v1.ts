/**
 * ShuffleNet v1 1× with g = 3 (Zhang et al. 2018): units of grouped 1×1 →
 * channel shuffle → depthwise 3×3 → grouped 1×1; stride-2 units concatenate
 * a 3×3/2 average pool of their input. The first unit's first 1×1 (24 input
 * channels) is not grouped, as in the paper.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { ChannelShuffle } from './layers/channel_shuffle';
import { maxPoolPadded } from './layers/pool';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';
import { roundToMultiple } from './width';

const GROUPS = 3;
const STEM = 24;
/** Output channels of stages 2–4 for g = 3, and their unit counts. */
const STAGE_CHANNELS = [240, 480, 960];
const STAGE_UNITS = [4, 8, 4];

function shuffleUnit(x: tfl.SymbolicTensor, outChannels: number, stride: number, firstGrouped: boolean, name: string): tfl.SymbolicTensor {
  const inChannels = x.shape[3] as number;
  const branchOut = stride === 2 ? outChannels - inChannels : outChannels;
  const bottleneck = outChannels / 4;
  let y = convBnAct(x, { filters: bottleneck, kernelSize: 1, groups: firstGrouped ? GROUPS : 1 }, `${name}.gconv1`);
  y = new ChannelShuffle({ groups: GROUPS, name: `${name}.shuffle` }).apply(y) as tfl.SymbolicTensor;
  y = convBnAct(y, { filters: bottleneck, kernelSize: 3, strides: stride, groups: bottleneck, act: 'none' }, `${name}.dw`);
  y = convBnAct(y, { filters: branchOut, kernelSize: 1, groups: GROUPS, act: 'none' }, `${name}.gconv2`);
  const merged = stride === 2
    ? tfl.layers.concatenate({ name: `${name}.concat` }).apply([averagePool(x, `${name}.pool`), y])
    : tfl.layers.add({ name: `${name}.add` }).apply([x, y]);
  return tfl.layers.reLU({ name: `${name}.out` }).apply(merged) as tfl.SymbolicTensor;
}

/** 3×3/2 average pool with padding 1 (torch counts the padded zeros, as zero padding + 'valid' does). */
function averagePool(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  const padded = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: `${name}.pad` }).apply(x);
  return tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'valid', name }).apply(padded) as tfl.SymbolicTensor;
}

function buildShuffleNetV1(o: CommonOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  // Channels stay multiples of 4·g so the bottleneck (out/4) splits into g groups.
  let x = convBnAct(input, { filters: roundToMultiple(STEM * o.width, GROUPS), kernelSize: 3, strides: 2 }, 'stem');
  x = maxPoolPadded(x, { poolSize: 3, strides: 2, padding: 1 }, 'stem.pool');
  STAGE_CHANNELS.forEach((channels, s) => {
    const out = roundToMultiple(channels * o.width, 4 * GROUPS);
    for (let u = 0; u < STAGE_UNITS[s]; u++) {
      x = shuffleUnit(x, out, u === 0 ? 2 : 1, !(s === 0 && u === 0), `stage${s + 2}.${u}`);
    }
  });
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses), name: 'shufflenet_v1' });
}

registerModel<CommonOptions>({
  name: 'shufflenet_v1',
  description: 'ShuffleNet v1 1x, g=3',
  paperSizes: [{ width: 1, mb: 7.2, source: 'Table 4' }],
  build: buildShuffleNetV1,
});
