/**
 * Batch norms fused into the convolutions before them, for inference: what
 * TensorFlow's graph optimiser does to the models tfjs-converter serves
 * ("folding" there; here k-fold owns that word) and torch.fx's fuse does in
 * PyTorch. In inference a batch norm is a per-channel
 * affine map y = x·scale + shift, so conv → BN is one convolution with filter
 * w·scale (per output channel) and bias b·scale + shift. A ReLU or ReLU6 that
 * alone reads the batch norm runs inside the same kernel. A MobileNet v2 at
 * batch 1 makes 52 convolution calls instead of 139 layer calls.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ConvActivation } from '../ops';
import { GraphNode, layerCalls, readersOf, singleInputOutput } from '../engine/graph';
import { GroupedConv2D } from './layers/grouped_conv2d';
import { BatchNorm } from './layers/batch_norm';

/** A convolution, the batch norm that alone reads it, and the activation that alone reads that, if any. */
interface FuseChain {
  conv: GroupedConv2D;
  bn: GraphNode;
  act?: GraphNode;
  activation: ConvActivation;
}

/**
 * An inference copy of a single-input, single-output model with its batch
 * norms fused. It holds its own weights: a snapshot of `model`'s, which later
 * training of `model` does not change. Its layers keep their names (a fused
 * convolution keeps the convolution's), so logitsModel works on it. It is
 * for inference: without its batch norms it would not train as `model` does,
 * so train `model` and fuse again.
 */
export function fuseBatchNorms(model: tfl.LayersModel): tfl.LayersModel {
  const [modelInput, modelOutput] = singleInputOutput(model, 'fuseBatchNorms');
  const nodes = layerCalls(model);
  const readers = readersOf(nodes);
  /** The node that alone reads t, unless t is also the model's output. */
  const soleReader = (t: tfl.SymbolicTensor): GraphNode | undefined => {
    const r = readers.get(t.id);
    return r?.length === 1 && t.id !== modelOutput.id ? r[0] : undefined;
  };

  const input = tfl.input({ shape: modelInput.shape.slice(1), dtype: modelInput.dtype });
  const values = new Map<number, tfl.SymbolicTensor>([[modelInput.id, input]]);
  const absorbed = new Set<GraphNode>();
  for (const node of nodes) {
    if (absorbed.has(node)) continue;
    const inputs = node.inputTensors.map((t) => values.get(t.id)!);
    const chain = fuseChain(node, soleReader);
    const layer = chain ? fusedConv(chain) : copyOf(node.outboundLayer);
    const applied = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    if (chain) {
      const weights = fusedWeights(chain);
      layer.setWeights(weights); // the variables take their own references
      tf.dispose(weights);
    } else {
      layer.setWeights(node.outboundLayer.getWeights());
    }
    const last = chain ? (chain.act ?? chain.bn) : node;
    for (const absorbedNode of chain ? [chain.bn, chain.act] : []) if (absorbedNode) absorbed.add(absorbedNode);
    (Array.isArray(applied) ? applied : [applied]).forEach((t, i) => values.set(last.outputTensors[i].id, t));
  }
  return tfl.model({ inputs: input, outputs: values.get(modelOutput.id)!, name: `${model.name}_fused` });
}

function fuseChain(node: GraphNode, soleReader: (t: tfl.SymbolicTensor) => GraphNode | undefined): FuseChain | undefined {
  const conv = node.outboundLayer;
  if (!(conv instanceof GroupedConv2D) || conv.activation !== 'linear') return undefined;
  const bn = soleReader(node.outputTensors[0]);
  if (bn === undefined || !(bn.outboundLayer instanceof BatchNorm)) return undefined;
  const act = soleReader(bn.outputTensors[0]);
  const activation = act === undefined ? undefined : activationOf(act.outboundLayer);
  return activation === undefined ? { conv, bn, activation: 'linear' } : { conv, bn, act, activation };
}

/** The fused form of an activation layer, if it has one. */
function activationOf(layer: tfl.layers.Layer): ConvActivation | undefined {
  if (layer.getClassName() === 'ReLU6') return 'relu6';
  if (layer.getClassName() === 'ReLU' && layer.getConfig().maxValue == null) return 'relu';
  return undefined;
}

function fusedConv({ conv, activation }: FuseChain): GroupedConv2D {
  const { filters, kernelSize, strides, padding, groups, name } = conv;
  return new GroupedConv2D({ filters, kernelSize, strides, padding, groups, useBias: true, activation, name });
}

/** w·scale over the filter's last (output channel) axis, and b·scale + shift. */
function fusedWeights({ conv, bn }: FuseChain): tf.Tensor[] {
  const { scale, shift } = (bn.outboundLayer as BatchNorm).inferenceAffine();
  const [kernel, bias] = conv.getWeights();
  const w = kernel.dataSync();
  const b = bias?.dataSync();
  const cout = scale.length;
  const fused = Float32Array.from(w, (v, i) => v * scale[i % cout]);
  const fusedBias = Float32Array.from(shift, (s, c) => (b === undefined ? 0 : b[c]) * scale[c] + s);
  return [tf.tensor(fused, kernel.shape), tf.tensor1d(fusedBias)];
}

/** A new layer of the same class and configuration (its weights are set after it is built). */
function copyOf(layer: tfl.layers.Layer): tfl.layers.Layer {
  const cls = layer.constructor as tf.serialization.SerializableConstructor<tfl.layers.Layer>;
  return cls.fromConfig(cls, layer.getConfig());
}
