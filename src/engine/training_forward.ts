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
import { GraphNode, layerCalls, readersOf, singleInputOutput } from './graph';

interface Plan {
  /** The layer calls in execution order. */
  nodes: GraphNode[];
  /** Per symbolic tensor id: how many layer calls read it. */
  readers: Map<number, number>;
}

const plans = new WeakMap<tfl.LayersModel, Plan>();

function planOf(model: tfl.LayersModel): Plan {
  let plan = plans.get(model);
  if (plan === undefined) {
    const nodes = layerCalls(model);
    const readers = new Map([...readersOf(nodes)].map(([id, calls]) => [id, calls.length]));
    plan = { nodes, readers };
    plans.set(model, plan);
  }
  return plan;
}

/** model.apply(x, { training: true }) for a single-input, single-output functional model, holding less. */
export function trainingForward(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  const [input, output] = singleInputOutput(model, 'trainingForward').map((t) => t.id);
  const { nodes, readers } = planOf(model);
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
