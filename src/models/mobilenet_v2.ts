/**
 * MobileNet v2 (Sandler et al. 2018) as torchvision builds it: inverted
 * residuals with linear bottlenecks, channels rounded with make_divisible(·, 8).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';
import { makeDivisible } from './width';

/** t (expansion), c (output channels), n (repeats), s (first stride). */
const SETTINGS: Array<[number, number, number, number]> = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

function invertedResidual(x: tfl.SymbolicTensor, outChannels: number, stride: number, expand: number, name: string): tfl.SymbolicTensor {
  const inChannels = x.shape[3] as number;
  const hidden = Math.round(inChannels * expand);
  let y = expand === 1 ? x : convBnAct(x, { filters: hidden, kernelSize: 1, act: 'relu6' }, `${name}.expand`);
  y = convBnAct(y, { filters: hidden, kernelSize: 3, strides: stride, groups: hidden, act: 'relu6' }, `${name}.dw`);
  y = convBnAct(y, { filters: outChannels, kernelSize: 1, act: 'none' }, `${name}.project`);
  if (stride !== 1 || inChannels !== outChannels) return y;
  return tfl.layers.add({ name: `${name}.add` }).apply([x, y]) as tfl.SymbolicTensor;
}

function buildMobileNetV2(o: CommonOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  let x = convBnAct(input, { filters: makeDivisible(32 * o.width), kernelSize: 3, strides: 2, act: 'relu6' }, 'stem');
  let index = 0;
  for (const [t, c, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) {
      x = invertedResidual(x, makeDivisible(c * o.width), i === 0 ? s : 1, t, `block${++index}`);
    }
  }
  x = convBnAct(x, { filters: makeDivisible(1280 * Math.max(1, o.width)), kernelSize: 1, act: 'relu6' }, 'last');
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses, 0.2), name: 'mobilenet_v2' });
}

registerModel<CommonOptions>({
  name: 'mobilenet_v2',
  description: 'MobileNet v2 1.0 (torchvision topology)',
  paperSizes: [{ width: 1, mb: 17.4, source: 'Table 4' }],
  build: buildMobileNetV2,
});
