/**
 * The channel structure of a built model, for pruning: which channels of
 * which tensors must be kept or removed together.
 *
 * A "space" is a set of channels that several tensors share: a convolution
 * makes a new space; a batch norm, an activation, pooling, a depthwise
 * convolution or SE's channel scaling pass their input's space on; an
 * addition (a residual sum) or a multiplication makes the spaces of its
 * inputs one (union-find), so a residual stage is one space whose channels
 * are kept or removed in every tensor added into it. A concatenation's
 * channels are its inputs' spaces side by side (segments). A grouped
 * convolution splits the spaces it reads and writes into blocks that must
 * keep equal counts, so the pruned convolution still has whole groups.
 * Layers whose channel mapping the planner does not model (channel shuffle,
 * channel slices, anything unknown) are refused with their name.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../util/errors';
import { BatchNorm, GroupedConv2D } from '../models';
import { GraphNode, layerCalls, singleInputOutput } from '../engine';

/** A run of consecutive channels of a tensor that belong to one space. */
export interface Segment {
  space: number;
  size: number;
}

export interface Space {
  id: number;
  size: number;
  /** The channels split into this many equal consecutive blocks, each keeping the same count (a multiple of every group count on it). */
  blocks: number;
  /** Kept whole: the image channels, the classes. */
  fixed: boolean;
  /** Layers whose output channels are this space's: convolutions (not depthwise) and dense layers. */
  producers: GraphNode[];
  /** Batch norms that normalise this space (network slimming reads their scales). */
  batchNorms: BatchNorm[];
}

export interface ChannelGraph {
  model: tfl.LayersModel;
  nodes: GraphNode[];
  /** Per symbolic tensor id, its channels as segments of spaces (canonical ids: use `space`). */
  segments: Map<number, Segment[]>;
  /** The canonical space of a space id. */
  space(id: number): Space;
  /** Every canonical space, in the order they were made. */
  spaces(): Space[];
}

/** Element-wise or per-channel layers: the output's channels are the input's. */
const PASS_THROUGH = new Set([
  'BatchNorm', 'ReLU', 'ReLU6', 'Activation', 'MaxPooling2D', 'PaddedMaxPool2D', 'AveragePooling2D', 'ZeroPadding2D', 'GlobalAveragePooling2D', 'Dropout', 'Softmax',
]);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

export function isDepthwise(conv: GroupedConv2D, inChannels: number): boolean {
  return conv.groups > 1 && conv.groups === inChannels;
}

function refuse(model: tfl.LayersModel, node: GraphNode, why: string): never {
  const layer = node.outboundLayer;
  throw new UserError(`prune: ${model.name}: layer ${layer.name} (${layer.getClassName()}) ${why}; the pruning planner cannot prune this model`);
}

/** Union-find over spaces. */
class Spaces {
  private readonly parent: number[] = [];
  private readonly all: Space[] = [];

  make(size: number, blocks: number, fixed: boolean): number {
    const id = this.all.length;
    this.all.push({ id, size, blocks, fixed, producers: [], batchNorms: [] });
    this.parent.push(id);
    return id;
  }

  find(id: number): Space {
    while (this.parent[id] !== id) id = this.parent[id] = this.parent[this.parent[id]];
    return this.all[id];
  }

  union(a: number, b: number): void {
    const [x, y] = [this.find(a), this.find(b)];
    if (x === y) return;
    this.parent[y.id] = x.id;
    x.blocks = lcm(x.blocks, y.blocks);
    x.fixed ||= y.fixed;
    x.producers.push(...y.producers);
    x.batchNorms.push(...y.batchNorms);
  }

  roots(): Space[] {
    return this.all.filter((s) => this.parent[s.id] === s.id);
  }
}

/** A tensor's channel count, from its segments. */
export const channelCount = (segments: readonly Segment[]): number => segments.reduce((a, s) => a + s.size, 0);

/**
 * Splits a tensor's channels into `groups` equal blocks (a grouped
 * convolution's input or output): each segment must hold whole blocks, and
 * its space is split at least as finely.
 */
function requireBlocks(spaces: Spaces, segments: readonly Segment[], groups: number, fail: (why: string) => never): void {
  if (groups === 1) return;
  const blockSize = channelCount(segments) / groups;
  let offset = 0;
  for (const seg of segments) {
    if (offset % blockSize !== 0 || seg.size % blockSize !== 0) fail(`has groups that straddle the channels of two concatenated tensors`);
    const space = spaces.find(seg.space);
    space.blocks = lcm(space.blocks, seg.size / blockSize);
    offset += seg.size;
  }
}

/** One space for each pair of segments at the same place in every input (an addition or multiplication). */
function unite(spaces: Spaces, inputs: Segment[][], fail: (why: string) => never): Segment[] {
  const [first, ...rest] = inputs;
  for (const other of rest) {
    if (other.length !== first.length || other.some((s, i) => s.size !== first[i].size)) fail('combines tensors whose channels come from different concatenations');
    other.forEach((s, i) => spaces.union(first[i].space, s.space));
  }
  return first;
}

export function channelGraph(model: tfl.LayersModel): ChannelGraph {
  const [input, output] = singleInputOutput(model, 'prune');
  const nodes = layerCalls(model);
  const spaces = new Spaces();
  const segments = new Map<number, Segment[]>();
  const channelsOf = (t: tfl.SymbolicTensor): number => t.shape[t.shape.length - 1] as number;
  segments.set(input.id, [{ space: spaces.make(channelsOf(input), 1, true), size: channelsOf(input) }]);

  for (const node of nodes) {
    const fail = (why: string): never => refuse(model, node, why);
    const inputs = node.inputTensors.map((t) => segments.get(t.id)!);
    const layer = node.outboundLayer;
    const cls = layer.getClassName();
    let out: Segment[];
    if (layer instanceof GroupedConv2D) {
      const cin = channelCount(inputs[0]);
      if (isDepthwise(layer, cin)) {
        if (layer.filters !== cin) fail(`is a depthwise convolution with a channel multiplier (${layer.filters} filters for ${cin} channels)`);
        out = inputs[0];
      } else {
        requireBlocks(spaces, inputs[0], layer.groups, fail);
        const id = spaces.make(layer.filters, layer.groups, false);
        spaces.find(id).producers.push(node);
        out = [{ space: id, size: layer.filters }];
      }
    } else if (cls === 'Dense') {
      const units = channelsOf(node.outputTensors[0]);
      const id = spaces.make(units, 1, false);
      spaces.find(id).producers.push(node);
      out = [{ space: id, size: units }];
    } else if (PASS_THROUGH.has(cls)) {
      if (layer instanceof BatchNorm) for (const seg of inputs[0]) spaces.find(seg.space).batchNorms.push(layer);
      out = inputs[0];
    } else if (cls === 'Reshape') {
      if (channelsOf(node.outputTensors[0]) !== channelCount(inputs[0])) fail('changes the channel count');
      out = inputs[0];
    } else if (cls === 'Add' || cls === 'Multiply') {
      out = unite(spaces, inputs, fail);
    } else if (cls === 'Concatenate') {
      const axis = layer.getConfig().axis as number;
      if (axis !== -1 && axis !== node.outputTensors[0].shape.length - 1) fail(`concatenates along axis ${axis}, not channels`);
      out = inputs.flat();
    } else if (cls === 'ChannelShuffle') {
      fail('permutes channels across groups (channel shuffle)');
    } else if (cls === 'ChannelSlice') {
      fail('splits channels (channel slice)');
    } else {
      fail('is a layer kind the planner does not know');
    }
    node.outputTensors.forEach((t) => segments.set(t.id, out));
  }
  for (const seg of segments.get(output.id)!) spaces.find(seg.space).fixed = true;

  const canonical = (segs: Segment[]): Segment[] => segs.map((s) => ({ space: spaces.find(s.space).id, size: s.size }));
  return {
    model,
    nodes,
    segments: new Map([...segments].map(([id, segs]) => [id, canonical(segs)])),
    space: (id) => spaces.find(id),
    spaces: () => spaces.roots(),
  };
}
