/**
 * ResNet-18 / ResNet-50 as torchvision builds them (BasicBlock / Bottleneck
 * with the stride on the 3×3 conv, "v1.5"), from one builder.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { maxPoolPadded } from './layers/pool';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';
import { makeDivisible } from './width';

type BlockKind = 'basic' | 'bottleneck';

interface ResNetArch { block: BlockKind; layers: [number, number, number, number] }

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** One residual block; the shortcut projects (1×1 conv + BN) when shape changes. */
function residualBlock(x: tfl.SymbolicTensor, kind: BlockKind, planes: number, stride: number, name: string): tfl.SymbolicTensor {
  const outChannels = planes * EXPANSION[kind];
  let y: tfl.SymbolicTensor;
  if (kind === 'basic') {
    y = convBnAct(x, { filters: planes, kernelSize: 3, strides: stride }, `${name}.conv1`);
    y = convBnAct(y, { filters: planes, kernelSize: 3, act: 'none' }, `${name}.conv2`);
  } else {
    y = convBnAct(x, { filters: planes, kernelSize: 1 }, `${name}.conv1`);
    y = convBnAct(y, { filters: planes, kernelSize: 3, strides: stride }, `${name}.conv2`);
    y = convBnAct(y, { filters: outChannels, kernelSize: 1, act: 'none' }, `${name}.conv3`);
  }
  const shortcut = stride !== 1 || x.shape[3] !== outChannels
    ? convBnAct(x, { filters: outChannels, kernelSize: 1, strides: stride, act: 'none' }, `${name}.downsample`)
    : x;
  const sum = tfl.layers.add({ name: `${name}.add` }).apply([y, shortcut]) as tfl.SymbolicTensor;
  return tfl.layers.reLU({ name: `${name}.out` }).apply(sum) as tfl.SymbolicTensor;
}

function buildResNet(arch: ResNetArch, name: string, o: CommonOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  const stem = makeDivisible(64 * o.width);
  let x = convBnAct(input, { filters: stem, kernelSize: 7, strides: 2 }, 'stem');
  x = maxPoolPadded(x, { poolSize: 3, strides: 2, padding: 1 }, 'stem.pool');
  arch.layers.forEach((blocks, stage) => {
    const planes = makeDivisible(64 * 2 ** stage * o.width);
    for (let b = 0; b < blocks; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = residualBlock(x, arch.block, planes, stride, `layer${stage + 1}.${b}`);
    }
  });
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses), name });
}

registerModel<CommonOptions>({
  name: 'resnet18',
  description: 'ResNet-18 (torchvision BasicBlock topology)',
  paperSizes: [{ width: 1, mb: 44.5, source: 'Table 4' }],
  build: (o) => buildResNet({ block: 'basic', layers: [2, 2, 2, 2] }, 'resnet18', o),
});

registerModel<CommonOptions>({
  name: 'resnet50',
  description: 'ResNet-50 (torchvision Bottleneck topology, stride on the 3x3)',
  paperSizes: [
    { width: 1, mb: 98.5, source: 'Table 3' },
    { width: 0.5, mb: 65.7, source: 'Table 3' },
    { width: 0.25, mb: 17.4, source: 'Table 3' },
  ],
  build: (o) => buildResNet({ block: 'bottleneck', layers: [3, 4, 6, 3] }, 'resnet50', o),
});
