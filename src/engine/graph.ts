/**
 * A functional tfjs-layers model as the list of its layer calls, in the order
 * tfjs-layers runs them, for code that walks the graph itself (the training
 * forward pass, fusing batch norms into convolutions). Reads tfjs-layers
 * 4.22's LayersModel.nodesByDepth, which its public API does not expose.
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** A node of a functional model's graph: one call of a layer (tfjs-layers' Node). */
export interface GraphNode {
  outboundLayer: tfl.layers.Layer;
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
}

/** tfjs-layers' own order (runInternalGraph): by depth in the graph, deepest first; input layers left out. */
export function layerCalls(model: tfl.LayersModel): GraphNode[] {
  const byDepth = (model as unknown as { nodesByDepth: Record<string, GraphNode[]> }).nodesByDepth;
  return Object.keys(byDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((depth) => byDepth[depth])
    .filter((node) => node.outboundLayer.getClassName() !== 'InputLayer');
}

/** Per symbolic tensor id, the layer calls that read it. */
export function readersOf(nodes: readonly GraphNode[]): Map<number, GraphNode[]> {
  const readers = new Map<number, GraphNode[]>();
  for (const node of nodes) for (const t of node.inputTensors) readers.set(t.id, [...(readers.get(t.id) ?? []), node]);
  return readers;
}

/** The one input and one output of `model` (the graph walks handle no other models); `what` names the caller in the error. */
export function singleInputOutput(model: tfl.LayersModel, what: string): [tfl.SymbolicTensor, tfl.SymbolicTensor] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`${what}: model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`);
  }
  return [model.inputs[0], model.outputs[0]];
}
