/**
 * Size and cost of a built model, measured from its layers and weights.
 * MACs follow the fvcore/thop convention the paper's comparisons use:
 * multiply-accumulates of convolutions and fully connected layers only, per
 * image, biases, BN, activations, pooling and elementwise ops not counted.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { GroupedConv2D } from './layers/grouped_conv2d';

export const MACS_CONVENTION = 'MACs: conv + FC multiply-accumulates per image (fvcore/thop convention; BN, activations, pooling, additions not counted)';

export interface LayerStats {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  macs: number;
}

export interface ModelStats {
  trainableParams: number;
  totalParams: number;
  /** Every weight (trainable and BN running statistics) as float32. */
  bytes: number;
  mb: number;
  mib: number;
  macs: number;
  layers: LayerStats[];
}

function product(shape: ReadonlyArray<number | null>): number {
  return shape.reduce<number>((a, d) => a * (d ?? 1), 1);
}

function firstOutputShape(layer: tfl.layers.Layer): ReadonlyArray<number | null> {
  const shape = layer.outputShape as Array<number | null> | Array<Array<number | null>>;
  return Array.isArray(shape[0]) ? (shape[0] as Array<number | null>) : (shape as Array<number | null>);
}

/** Multiply-accumulates of one layer for one image. */
export function layerMacs(layer: tfl.layers.Layer): number {
  const cls = layer.getClassName();
  if (layer instanceof GroupedConv2D) {
    const [, h, w] = firstOutputShape(layer);
    // kernel [k, k, Cin/groups, Cout]: each output element costs k·k·Cin/groups MACs.
    return (h ?? 1) * (w ?? 1) * product(layer.weights[0].shape);
  }
  if (cls === 'Dense') return product(layer.weights[0].shape);
  return 0;
}

export function modelStats(model: tfl.LayersModel): ModelStats {
  const count = (weights: tfl.LayerVariable[]): number => weights.reduce((a, w) => a + product(w.shape), 0);
  const trainableParams = count(model.trainableWeights);
  const totalParams = count(model.weights);
  const bytes = totalParams * 4;
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: JSON.stringify(firstOutputShape(layer)).replace(/null/g, 'N'),
    params: layer.countParams(),
    macs: layerMacs(layer),
  }));
  return {
    trainableParams, totalParams, bytes, mb: bytes / 1e6, mib: bytes / 2 ** 20, macs: layers.reduce((a, l) => a + l.macs, 0), layers,
  };
}
