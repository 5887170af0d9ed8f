/**
 * The pruning plan: which channels of every space to keep.
 *
 *  - `l1` (Li et al. 2017, "Pruning Filters for Efficient ConvNets"): in each
 *    space, the filters with the smallest L1 norm go, `ratio` of them. A
 *    space shared by several convolutions (a residual stage) ranks a channel
 *    by the sum of its filters' norms.
 *  - `slim` (Liu et al. 2017, "Learning Efficient Convolutional Networks
 *    through Network Slimming"): one global threshold on |γ| of the batch
 *    norms (the `ratio` quantile over every prunable channel; a channel that
 *    several batch norms scale scores their mean |γ|); the parent is trained
 *    with an L1 penalty on γ (train.loss.bnL1) to make many of them small.
 *
 * Either way a space keeps at least one channel a block and the same count in
 * every block (whole groups for the grouped convolutions on it). Spaces made
 * only by dense layers (SE's hidden layer) keep the share of channels the
 * space they read keeps, ranked by the L1 norm of their weights.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { BatchNorm, GroupedConv2D } from '../models';
import { ChannelGraph, channelCount, channelGraph, isDepthwise, Segment, Space } from './spaces';

export type PruneMethod = 'l1' | 'slim';
export const PRUNE_METHODS: readonly PruneMethod[] = ['l1', 'slim'];

export interface PlannedSpace {
  id: number;
  size: number;
  blocks: number;
  fixed: boolean;
  /** The layers that write this space's channels (more than one: coupled by a residual sum or SE's scaling). */
  producers: string[];
  /** Kept channel indices, ascending. */
  keep: number[];
}

export interface PlannedLayer {
  className: string;
  /** Channels of the layer's (first) input and of its output, before and after pruning. */
  inChannels: number;
  outChannels: number;
  keptIn: number;
  keptOut: number;
  /** The output's channels as spaces side by side. */
  spaces: number[];
  /** Kept output channel indices, ascending (the spaces' kept channels, at their offsets). */
  keep: number[];
}

export interface PrunePlan {
  model: string;
  method: PruneMethod;
  ratio: number;
  /** slim: the global |γ| threshold (channels scoring below it go). */
  threshold?: number;
  spaces: PlannedSpace[];
  /** Per layer name. */
  layers: Record<string, PlannedLayer>;
}

export function checkRatio(ratio: number): void {
  if (!(Number.isFinite(ratio) && ratio >= 0 && ratio < 1)) throw new UserError(`--ratio ${ratio}: expected a share of channels to remove, >= 0 and < 1`);
}

/** The kept channels of a tensor made of segments, from each space's kept channels. */
export function keptChannels(segments: readonly Segment[], keep: ReadonlyMap<number, readonly number[]>): number[] {
  let offset = 0;
  return segments.flatMap((seg) => {
    const kept = keep.get(seg.space)!.map((c) => c + offset);
    offset += seg.size;
    return kept;
  });
}

/** Per output channel, the sum of |w| over the layer's kernel (last axis = output channels). */
function filterL1(layer: tfl.layers.Layer): Float64Array {
  const kernel = layer.getWeights()[0];
  const cout = kernel.shape[kernel.shape.length - 1];
  const values = kernel.dataSync();
  const norms = new Float64Array(cout);
  for (let i = 0; i < values.length; i++) norms[i % cout] += Math.abs(values[i]);
  return norms;
}

function gammaAbs(bn: BatchNorm): Float32Array {
  const gamma = bn.getWeights()[0].dataSync() as Float32Array;
  return Float32Array.from(gamma, Math.abs);
}

/** The `n` highest-scoring channels of each block, ascending. */
function topPerBlock(scores: ArrayLike<number>, blocks: number, perBlock: number): number[] {
  const blockSize = scores.length / blocks;
  const keep: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const block = Array.from({ length: blockSize }, (_, i) => b * blockSize + i);
    // Highest score first; on ties the lower index, so equal scores keep the first channels.
    block.sort((x, y) => scores[y] - scores[x] || x - y);
    keep.push(...block.slice(0, perBlock).sort((x, y) => x - y));
  }
  return keep;
}

const convProducers = (space: Space): GroupedConv2D[] =>
  space.producers.map((n) => n.outboundLayer).filter((l): l is GroupedConv2D => l instanceof GroupedConv2D);

/** Spaces whose channels the method ranks (a convolution writes them); the others are fixed or follow (SE hidden). */
function ranked(graph: ChannelGraph): Space[] {
  return graph.spaces().filter((s) => !s.fixed && convProducers(s).length > 0);
}

function sumScores(arrays: ArrayLike<number>[], size: number, mean: boolean): Float64Array {
  const out = new Float64Array(size);
  for (const a of arrays) for (let i = 0; i < size; i++) out[i] += a[i] / (mean ? arrays.length : 1);
  return out;
}

/** slim's score needs a batch norm on every ranked space. */
function slimScores(space: Space, graph: ChannelGraph): Float64Array {
  if (space.batchNorms.length === 0) {
    const name = convProducers(space)[0].name;
    throw new UserError(`prune --method slim: ${graph.model.name}: the channels of layer ${name} pass no batch norm, so they have no scale to rank by`);
  }
  return sumScores(space.batchNorms.map(gammaAbs), space.size, true);
}

/**
 * Spaces whose per-block counts must be equal: those a grouped convolution
 * reads side by side (DResNet's fusion conv over its two concatenated paths),
 * each of its groups spanning blocks of both. Returns, per space id, its class.
 */
function countClasses(graph: ChannelGraph, spaces: readonly Space[]): Map<number, Space[]> {
  const classOf = new Map<number, Space[]>(spaces.map((s) => [s.id, [s]]));
  for (const node of graph.nodes) {
    const layer = node.outboundLayer;
    if (!(layer instanceof GroupedConv2D) || layer.groups === 1) continue;
    const members = graph.segments.get(node.inputTensors[0].id)!.map((seg) => classOf.get(seg.space)).filter((c): c is Space[] => c !== undefined);
    const merged = [...new Set(members.flat())];
    if (merged.some((m) => m.size / m.blocks !== merged[0].size / merged[0].blocks)) {
      throw new UserError(`prune: ${graph.model.name}: layer ${layer.name} (GroupedConv2D) reads concatenated channels in blocks of unequal size; the planner cannot keep its groups equal`);
    }
    for (const s of merged) classOf.set(s.id, merged);
  }
  return classOf;
}

/**
 * Channels kept per block in each space: `wanted` (per space, the channels the
 * method would keep) pooled over its count class and spread evenly over the
 * class's blocks (of one size, checked by countClasses); at least one a block.
 */
function perBlockCounts(graph: ChannelGraph, spaces: readonly Space[], wanted: (s: Space) => number): Map<number, number> {
  const classOf = countClasses(graph, spaces);
  const counts = new Map<number, number>();
  for (const s of spaces) {
    const members = classOf.get(s.id)!;
    const blockSize = s.size / s.blocks;
    const blocks = members.reduce((a, m) => a + m.blocks, 0);
    const kept = members.reduce((a, m) => a + wanted(m), 0);
    counts.set(s.id, Math.max(1, Math.min(blockSize, Math.round(kept / blocks))));
  }
  return counts;
}

function chooseRanked(graph: ChannelGraph, method: PruneMethod, ratio: number): { keep: Map<number, number[]>; threshold?: number } {
  const spaces = ranked(graph);
  const scores = new Map(spaces.map((s) => [s.id, method === 'l1' ? sumScores(convProducers(s).map(filterL1), s.size, false) : slimScores(s, graph)]));
  let threshold: number | undefined;
  let wanted = (s: Space): number => (1 - ratio) * s.size;
  if (method === 'slim') {
    const pooled = Float64Array.from(spaces.flatMap((s) => [...scores.get(s.id)!])).sort();
    const t = pooled[Math.min(pooled.length - 1, Math.floor(ratio * pooled.length))];
    threshold = t;
    wanted = (s) => scores.get(s.id)!.filter((v) => v >= t).length;
  }
  const counts = perBlockCounts(graph, spaces, wanted);
  const keep = new Map(spaces.map((s) => [s.id, topPerBlock(scores.get(s.id)!, s.blocks, counts.get(s.id)!)]));
  return { keep, ...(threshold !== undefined ? { threshold } : {}) };
}

/** A dense-made space (SE's hidden layer) keeps the share its input keeps. */
function chooseFollowing(graph: ChannelGraph, space: Space, keep: Map<number, number[]>): number[] {
  const node = space.producers[0];
  const input = graph.segments.get(node.inputTensors[0].id)!;
  const inSize = channelCount(input);
  const share = keptChannels(input, keep).length / inSize;
  const kept = Math.max(1, Math.round(share * space.size));
  return topPerBlock(filterL1(node.outboundLayer), 1, kept);
}

/** Every grouped convolution still sees whole, equal groups (the block rule guarantees it; a planner bug would not pass). */
function checkGroups(graph: ChannelGraph, keep: Map<number, number[]>): void {
  for (const node of graph.nodes) {
    const layer = node.outboundLayer;
    if (!(layer instanceof GroupedConv2D) || layer.groups === 1) continue;
    const segs = graph.segments.get(node.inputTensors[0].id)!;
    const cin = channelCount(segs);
    if (isDepthwise(layer, cin)) continue;
    const perGroup = new Array<number>(layer.groups).fill(0);
    for (const c of keptChannels(segs, keep)) perGroup[Math.floor(c / (cin / layer.groups))]++;
    if (perGroup.some((n) => n !== perGroup[0])) {
      throw new UserError(`prune: ${graph.model.name}: layer ${layer.name} (GroupedConv2D, ${layer.groups} groups) would keep unequal input channels per group (${perGroup.join(', ')})`);
    }
  }
}

function plannedLayers(graph: ChannelGraph, keep: Map<number, number[]>): Record<string, PlannedLayer> {
  const layers: Record<string, PlannedLayer> = {};
  for (const node of graph.nodes) {
    const inSegs = graph.segments.get(node.inputTensors[0].id)!;
    const outSegs = graph.segments.get(node.outputTensors[0].id)!;
    const kept = keptChannels(outSegs, keep);
    layers[node.outboundLayer.name] = {
      className: node.outboundLayer.getClassName(),
      inChannels: channelCount(inSegs),
      outChannels: channelCount(outSegs),
      keptIn: keptChannels(inSegs, keep).length,
      keptOut: kept.length,
      spaces: outSegs.map((s) => s.space),
      keep: kept,
    };
  }
  return layers;
}

/** The plan for pruning `ratio` of the channels of `model` by `method`; refuses (UserError naming the layer) what it cannot prune. */
export function planPruning(model: tfl.LayersModel, method: PruneMethod, ratio: number): { plan: PrunePlan; graph: ChannelGraph } {
  checkRatio(ratio);
  const graph = channelGraph(model);
  const { keep, threshold } = chooseRanked(graph, method, ratio);
  for (const s of graph.spaces()) {
    if (keep.has(s.id)) continue;
    const follows = !s.fixed && s.producers.length > 0;
    keep.set(s.id, follows ? chooseFollowing(graph, s, keep) : Array.from({ length: s.size }, (_, i) => i));
  }
  checkGroups(graph, keep);
  const spaces = graph.spaces().map((s) => ({
    id: s.id, size: s.size, blocks: s.blocks, fixed: s.fixed, producers: s.producers.map((n) => n.outboundLayer.name), keep: keep.get(s.id)!,
  }));
  const plan: PrunePlan = { model: model.name, method, ratio, ...(threshold !== undefined ? { threshold } : {}), spaces, layers: plannedLayers(graph, keep) };
  return { plan, graph };
}

/** The kept channels of every space, by id. */
export function keepMap(plan: PrunePlan): Map<number, number[]> {
  return new Map(plan.spaces.map((s) => [s.id, s.keep]));
}

/**
 * Parameters of the pruned model computed from the plan alone (no model):
 * convolutions k·k·(in/groups)·out (+ out bias), dense in·out + out, batch
 * norms 4 per channel (γ, β and the two running statistics; 2 trainable).
 */
export function planParams(plan: PrunePlan, parent: tfl.LayersModel): { trainable: number; total: number } {
  let trainable = 0;
  let total = 0;
  for (const layer of parent.layers) {
    const p = plan.layers[layer.name];
    if (p === undefined) continue;
    if (layer instanceof GroupedConv2D) {
      const depthwise = isDepthwise(layer, p.inChannels);
      const n = layer.kernelSize ** 2 * (depthwise ? 1 : p.keptIn / layer.groups) * p.keptOut + (layer.useBias ? p.keptOut : 0);
      trainable += n;
      total += n;
    } else if (layer instanceof BatchNorm) {
      trainable += 2 * p.keptOut;
      total += 4 * p.keptOut;
    } else if (p.className === 'Dense') {
      const n = p.keptIn * p.keptOut + (layer.getConfig().useBias === false ? 0 : p.keptOut);
      trainable += n;
      total += n;
    }
  }
  return { trainable, total };
}
