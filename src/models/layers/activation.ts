/** Activations by name, so block specs stay data (timm's create_act). */
import * as tfl from '@tensorflow/tfjs-layers';

export type Activation = 'relu' | 'relu6' | 'sigmoid' | 'none';

export function activation(x: tfl.SymbolicTensor, act: Activation, name: string): tfl.SymbolicTensor {
  switch (act) {
    case 'none': return x;
    case 'relu': return tfl.layers.reLU({ name }).apply(x) as tfl.SymbolicTensor;
    case 'relu6': return tfl.layers.reLU({ maxValue: 6, name }).apply(x) as tfl.SymbolicTensor;
    case 'sigmoid': return tfl.layers.activation({ activation: 'sigmoid', name }).apply(x) as tfl.SymbolicTensor;
  }
}
