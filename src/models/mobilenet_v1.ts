/**
 * MobileNet v1 (Howard et al. 2017) as Keras builds it: a 3×3/2 stem and 13
 * depthwise-separable blocks (depthwise 3×3 + BN + ReLU6, pointwise + BN +
 * ReLU6), global pool, FC. `width` is the paper's α (channels × α).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';

/** [pointwise output channels, depthwise stride] of the 13 blocks. */
const BLOCKS: Array<[number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

function buildMobileNetV1(o: CommonOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  const scale = (c: number): number => Math.max(8, Math.round(c * o.width));
  let x = convBnAct(input, { filters: scale(32), kernelSize: 3, strides: 2, act: 'relu6' }, 'stem');
  BLOCKS.forEach(([channels, stride], i) => {
    const inChannels = x.shape[3] as number;
    x = convBnAct(x, { filters: inChannels, kernelSize: 3, strides: stride, groups: inChannels, act: 'relu6' }, `block${i + 1}.dw`);
    x = convBnAct(x, { filters: scale(channels), kernelSize: 1, act: 'relu6' }, `block${i + 1}.pw`);
  });
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses), name: 'mobilenet_v1' });
}

registerModel<CommonOptions>({
  name: 'mobilenet_v1',
  description: 'MobileNet v1 1.0 (Keras topology, ReLU6)',
  paperSizes: [{ width: 1, mb: 16.7, source: 'Table 4' }],
  build: buildMobileNetV1,
});
