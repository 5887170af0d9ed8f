/**
 * A physically smaller copy of a model from a pruning plan: every layer
 * rebuilt with its kept channel counts (filters, units, SE's reshape), its
 * weights the parent's at the kept channels. Removing a channel whose batch
 * norm output is zero changes nothing downstream, so the copy computes the
 * parent's logits with the removed channels zeroed (test/prune.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { GroupedConv2D } from '../models';
import type { GraphNode } from '../engine';
import { singleInputOutput } from '../engine';
import { ChannelGraph, channelCount, channelGraph, isDepthwise } from './spaces';
import { keepMap, keptChannels, planPruning, PruneMethod, PrunePlan } from './plan';

interface Kept {
  input: number[];
  output: number[];
}

/** The layer's configuration with its channel counts set to the kept ones. */
function prunedConfig(node: GraphNode, kept: Kept, inChannels: number): tf.serialization.ConfigDict {
  const layer = node.outboundLayer;
  const config = layer.getConfig();
  if (layer instanceof GroupedConv2D) {
    const depthwise = isDepthwise(layer, inChannels);
    return { ...config, filters: kept.output.length, groups: depthwise ? kept.output.length : layer.groups };
  }
  if (layer.getClassName() === 'Dense') return { ...config, units: kept.output.length };
  if (layer.getClassName() === 'Reshape') {
    const target = config.targetShape as number[];
    return { ...config, targetShape: [...target.slice(0, -1), kept.output.length] };
  }
  return config;
}

/** A grouped kernel [k, k, in/groups, out] at the kept channels: group by group, the group's kept filters over its kept inputs. */
function groupedKernel(kernel: tf.Tensor, groups: number, kept: Kept): tf.Tensor {
  const [, , inPerGroup, out] = kernel.shape;
  const outPerGroup = out / groups;
  const parts = Array.from({ length: groups }, (_, g) => {
    const inputs = kept.input.filter((c) => Math.floor(c / inPerGroup) === g).map((c) => c - g * inPerGroup);
    const filters = kept.output.filter((c) => Math.floor(c / outPerGroup) === g);
    return tf.gather(tf.gather(kernel, filters, 3), inputs, 2);
  });
  return parts.length === 1 ? parts[0] : tf.concat(parts, 3);
}

/** The layer's weights at the kept channels (new tensors, the caller frees them). */
function prunedWeights(node: GraphNode, kept: Kept, inChannels: number): tf.Tensor[] {
  const layer = node.outboundLayer;
  const weights = layer.getWeights();
  return tf.tidy(() => {
    if (layer instanceof GroupedConv2D) {
      const [kernel, bias] = weights;
      const k = isDepthwise(layer, inChannels) ? tf.gather(kernel, kept.output, 3) : groupedKernel(kernel, layer.groups, kept);
      return bias === undefined ? [k] : [k, tf.gather(bias, kept.output)];
    }
    if (layer.getClassName() === 'Dense') {
      const [kernel, bias] = weights;
      const k = tf.gather(tf.gather(kernel, kept.input, 0), kept.output, 1);
      return bias === undefined ? [k] : [k, tf.gather(bias, kept.output)];
    }
    // Per-channel weights (batch norm): one value per output channel each.
    return weights.map((w) => tf.gather(w, kept.output));
  });
}

function layerOf(node: GraphNode, config: tf.serialization.ConfigDict): tfl.layers.Layer {
  const cls = node.outboundLayer.constructor as tf.serialization.SerializableConstructor<tfl.layers.Layer>;
  return cls.fromConfig(cls, config);
}

/**
 * The pruned model: same layer names and graph, fewer channels, its own
 * weights (a snapshot of `graph.model`'s at the kept channels).
 */
export function applyPlan(graph: ChannelGraph, plan: PrunePlan): tfl.LayersModel {
  const [modelInput, modelOutput] = singleInputOutput(graph.model, 'prune');
  const keep = keepMap(plan);
  const input = tfl.input({ shape: modelInput.shape.slice(1), dtype: modelInput.dtype });
  const values = new Map<number, tfl.SymbolicTensor>([[modelInput.id, input]]);
  for (const node of graph.nodes) {
    const inSegs = graph.segments.get(node.inputTensors[0].id)!;
    const inChannels = channelCount(inSegs);
    const kept: Kept = { input: keptChannels(inSegs, keep), output: keptChannels(graph.segments.get(node.outputTensors[0].id)!, keep) };
    const layer = layerOf(node, prunedConfig(node, kept, inChannels));
    const inputs = node.inputTensors.map((t) => values.get(t.id)!);
    const applied = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    const weights = prunedWeights(node, kept, inChannels);
    layer.setWeights(weights);
    tf.dispose(weights);
    (Array.isArray(applied) ? applied : [applied]).forEach((t, i) => values.set(node.outputTensors[i].id, t));
  }
  return tfl.model({ inputs: input, outputs: values.get(modelOutput.id)!, name: `${graph.model.name}_pruned` });
}

/** The plan for `model` and the physically smaller model it gives (own weights; `model` is unchanged). */
export function pruneModel(model: tfl.LayersModel, method: PruneMethod, ratio: number): { model: tfl.LayersModel; plan: PrunePlan } {
  const { plan, graph } = planPruning(model, method, ratio);
  return { model: applyPlan(graph, plan), plan };
}

/**
 * The plan's architecture on `model`, the parent's family built at another
 * head or input size (Table 3 sizes its models at 1000 classes, 224 px):
 * every prunable space keeps the plan's channels, the fixed ones (image,
 * classes) all of theirs. Its weights are `model`'s; it is for measuring.
 */
export function applyPlanTo(model: tfl.LayersModel, plan: PrunePlan): tfl.LayersModel {
  const graph = channelGraph(model);
  const planned = new Map(plan.spaces.map((s) => [s.id, s]));
  const spaces = graph.spaces().map((s) => {
    const p = planned.get(s.id);
    if (p === undefined || (!s.fixed && p.size !== s.size)) {
      throw new UserError(`prune: ${model.name} is not the architecture the plan was made for (${plan.model}): channel space ${s.id} has ${s.size} channels`);
    }
    return { ...p, size: s.size, keep: s.fixed ? Array.from({ length: s.size }, (_, i) => i) : p.keep };
  });
  return applyPlan(graph, { ...plan, spaces });
}
