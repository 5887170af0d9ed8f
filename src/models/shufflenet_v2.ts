/**
 * ShuffleNet v2 1× as torchvision builds it: stride-1 units split the
 * channels in half and transform one half; stride-2 units transform both
 * copies of the input; each unit ends with a channel shuffle (g = 2).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { ChannelShuffle } from './layers/channel_shuffle';
import { splitChannels } from './layers/channel_slice';
import { maxPoolPadded } from './layers/pool';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';
import { roundToMultiple } from './width';

const STAGE_CHANNELS = [116, 232, 464];
const STAGE_UNITS = [4, 8, 4];

/** 1×1 → depthwise 3×3 (stride) → 1×1, the transforming branch. */
function mainBranch(x: tfl.SymbolicTensor, channels: number, stride: number, name: string): tfl.SymbolicTensor {
  let y = convBnAct(x, { filters: channels, kernelSize: 1 }, `${name}.pw1`);
  y = convBnAct(y, { filters: channels, kernelSize: 3, strides: stride, groups: channels, act: 'none' }, `${name}.dw`);
  return convBnAct(y, { filters: channels, kernelSize: 1 }, `${name}.pw2`);
}

function shuffleUnit(x: tfl.SymbolicTensor, outChannels: number, stride: number, name: string): tfl.SymbolicTensor {
  const half = outChannels / 2;
  let parts: tfl.SymbolicTensor[];
  if (stride === 1) {
    const [keep, transform] = splitChannels(x, [half, half], name);
    parts = [keep, mainBranch(transform, half, 1, `${name}.branch2`)];
  } else {
    const inChannels = x.shape[3] as number;
    let shortcut = convBnAct(x, { filters: inChannels, kernelSize: 3, strides: 2, groups: inChannels, act: 'none' }, `${name}.branch1.dw`);
    shortcut = convBnAct(shortcut, { filters: half, kernelSize: 1 }, `${name}.branch1.pw`);
    parts = [shortcut, mainBranch(x, half, 2, `${name}.branch2`)];
  }
  const merged = tfl.layers.concatenate({ name: `${name}.concat` }).apply(parts) as tfl.SymbolicTensor;
  return new ChannelShuffle({ groups: 2, name: `${name}.shuffle` }).apply(merged) as tfl.SymbolicTensor;
}

function buildShuffleNetV2(o: CommonOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  let x = convBnAct(input, { filters: 24, kernelSize: 3, strides: 2 }, 'stem');
  x = maxPoolPadded(x, { poolSize: 3, strides: 2, padding: 1 }, 'stem.pool');
  STAGE_CHANNELS.forEach((channels, s) => {
    const out = roundToMultiple(channels * o.width, 2);
    for (let u = 0; u < STAGE_UNITS[s]; u++) x = shuffleUnit(x, out, u === 0 ? 2 : 1, `stage${s + 2}.${u}`);
  });
  // torchvision widens the last conv to 2048 only for its 2.0× model.
  x = convBnAct(x, { filters: o.width > 1.5 ? 2048 : 1024, kernelSize: 1 }, 'conv5');
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses), name: 'shufflenet_v2' });
}

registerModel<CommonOptions>({
  name: 'shufflenet_v2',
  description: 'ShuffleNet v2 1x (torchvision topology)',
  build: buildShuffleNetV2,
});
