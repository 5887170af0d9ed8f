/**
 * A functional model's forward pass in training mode that frees each layer's
 * output once the last layer reading it has run.
 *
 * tfjs-layers frees intermediate outputs this way only in inference: in
 * training its executor keeps every one until the model's call returns, so a
 * training forward pass holds every layer's output at once. The gradient tape
 * does not need them: what a gradient uses, the engine saved as its own
 * reference (a clone) when the kernel ran. Freeing the layer's reference
 * leaves the saved data alive and frees what no gradient saved (a batch
 * norm's output that feeds a ReLU, which keeps its own output).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { logitsModel } from './layers/classifier';

/** A node of a functional model's graph: one call of a layer (tfjs-layers' Node). */
interface GraphNode {
  outboundLayer: tfl.layers.Layer;
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
}

interface Plan {
  /** The layer calls in execution order, input layers left out. */
  nodes: GraphNode[];
  /** Per symbolic tensor id: how many layer calls read it. */
  readers: Map<number, number>;
}

const plans = new WeakMap<tfl.LayersModel, Plan>();

/** tfjs-layers' own order (runInternalGraph): by depth in the graph, deepest first. */
function planOf(model: tfl.LayersModel): Plan {
  let plan = plans.get(model);
  if (plan === undefined) {
    const byDepth = (model as unknown as { nodesByDepth: Record<string, GraphNode[]> }).nodesByDepth;
    const nodes = Object.keys(byDepth)
      .map(Number)
      .sort((a, b) => b - a)
      .flatMap((depth) => byDepth[depth])
      .filter((node) => node.outboundLayer.getClassName() !== 'InputLayer');
    const readers = new Map<number, number>();
    for (const node of nodes) for (const t of node.inputTensors) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
    plan = { nodes, readers };
    plans.set(model, plan);
  }
  return plan;
}

/** model.apply(x, { training: true }) for a single-input, single-output functional model, holding less. */
export function trainingForward(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`trainingForward: model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`);
  }
  const { nodes, readers } = planOf(model);
  const [input, output] = [model.inputs[0].id, model.outputs[0].id];
  // tidy: outputs no layer reads (none in the zoo) are freed on return.
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>([[input, x]]);
    const unread = new Map(readers);
    for (const node of nodes) {
      const inputs = node.inputTensors.map((t) => values.get(t.id)!);
      const outputs = node.outboundLayer.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[];
      (Array.isArray(outputs) ? outputs : [outputs]).forEach((t, i) => values.set(node.outputTensors[i].id, t));
      for (const t of node.inputTensors) {
        const left = unread.get(t.id)! - 1;
        unread.set(t.id, left);
        if (left === 0 && t.id !== input && t.id !== output) release(values, t.id);
      }
    }
    return values.get(output)!;
  });
}

/** Drops a symbolic tensor's value, freeing it unless another one is the same tensor (a layer that passes its input on). */
function release(values: Map<number, tf.Tensor>, id: number): void {
  const value = values.get(id)!;
  values.delete(id);
  for (const other of values.values()) if (other === value) return;
  value.dispose();
}

/** The logits of a zoo model in a training step (see logitsModel). */
export function trainingLogits(model: tfl.LayersModel, x: tf.Tensor4D): tf.Tensor2D {
  return trainingForward(logitsModel(model), x) as tf.Tensor2D;
}
