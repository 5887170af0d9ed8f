/** Squeeze-and-excitation channel weighting (Hu et al.; the paper's Fig. 5): global pool → FC ↓ratio → ReLU → FC → sigmoid → scale. */
import * as tfl from '@tensorflow/tfjs-layers';

export function squeezeExcite(x: tfl.SymbolicTensor, ratio: number, name: string): tfl.SymbolicTensor {
  const channels = x.shape[3] as number;
  const hidden = Math.max(1, Math.round(channels * ratio));
  const pooled = tfl.layers.globalAveragePooling2d({ name: `${name}.pool` }).apply(x) as tfl.SymbolicTensor;
  const reduced = tfl.layers.dense({ units: hidden, activation: 'relu', name: `${name}.fc1` }).apply(pooled) as tfl.SymbolicTensor;
  const weights = tfl.layers.dense({ units: channels, activation: 'sigmoid', name: `${name}.fc2` }).apply(reduced) as tfl.SymbolicTensor;
  const perChannel = tfl.layers.reshape({ targetShape: [1, 1, channels], name: `${name}.reshape` }).apply(weights) as tfl.SymbolicTensor;
  return tfl.layers.multiply({ name: `${name}.scale` }).apply([x, perChannel]) as tfl.SymbolicTensor;
}
