/** Activations by name, so block specs stay data (timm's create_act). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * min(max(x, 0), 6) as tfjs's one Relu6 kernel, with one gradient kernel.
 * tfjs-layers' ReLU({maxValue: 6}) runs Relu and ClipByValue, its 'relu6'
 * activation Relu and Minimum: two passes over the activation each way.
 */
export class ReLU6 extends tfl.layers.Layer {
  static readonly className = 'ReLU6';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.relu6(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(ReLU6);

export type Activation = 'relu' | 'relu6' | 'sigmoid' | 'none';

export function activation(x: tfl.SymbolicTensor, act: Activation, name: string): tfl.SymbolicTensor {
  switch (act) {
    case 'none': return x;
    case 'relu': return tfl.layers.reLU({ name }).apply(x) as tfl.SymbolicTensor;
    case 'relu6': return new ReLU6({ name }).apply(x) as tfl.SymbolicTensor;
    case 'sigmoid': return tfl.layers.activation({ activation: 'sigmoid', name }).apply(x) as tfl.SymbolicTensor;
  }
}
