/**
 * A 2-D convolution layer with `groups` (torch's Conv2d groups): groups = 1 is
 * an ordinary convolution, groups = input channels a depthwise one. It runs
 * the project's DresnetGroupedConv2D op, so a backend with a native grouped
 * kernel uses it and every other backend runs the generic tfjs-ops version.
 * Bias and activation are for fused batch norms (fuse_bn.ts): in inference they
 * run inside the convolution's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyConvActivation, ConvActivation, ConvPad, groupedConv2d } from '../../ops';

export interface GroupedConv2DArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** 'same', 'valid', or a symmetric zero padding (torch's padding=k//2 is the default). */
  padding?: ConvPad;
  groups?: number;
  useBias?: boolean;
  activation?: ConvActivation;
  name?: string;
}

type Config = Required<Omit<GroupedConv2DArgs, 'name'>>;

/** Output length of a convolution/pooling window along one axis; a pair pads [before, after]. */
export function convOutputLength(length: number, kernel: number, stride: number, padding: ConvPad | readonly [number, number]): number {
  if (padding === 'same') return Math.ceil(length / stride);
  const [before, after] = padding === 'valid' ? [0, 0] : typeof padding === 'number' ? [padding, padding] : padding;
  return Math.floor((length + before + after - kernel) / stride) + 1;
}

export class GroupedConv2D extends tfl.layers.Layer {
  static readonly className = 'GroupedConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: ConvPad;
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation: ConvActivation;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: GroupedConv2DArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? Math.floor(args.kernelSize / 2);
    this.groups = args.groups ?? 1;
    this.useBias = args.useBias ?? false;
    this.activation = args.activation ?? 'linear';
    if (this.filters % this.groups !== 0) {
      throw new Error(`${this.name}: filters ${this.filters} not divisible by groups ${this.groups}`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const cin = (inputShape as tfl.Shape)[3] as number;
    if (cin % this.groups !== 0) throw new Error(`${this.name}: input channels ${cin} not divisible by groups ${this.groups}`);
    const k = this.kernelSize;
    // He-normal over fan-out, as torchvision initialises its convolutions.
    const init = tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });
    this.kernel = this.addWeight('kernel', [k, k, cin / this.groups, this.filters], 'float32', init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w] = inputShape as tfl.Shape;
    const out = (len: number | null): number | null => (len == null ? null : convOutputLength(len, this.kernelSize, this.strides, this.padding));
    return [n, out(h), out(w), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      // The fused activation has no gradient: in training it is its own op.
      const fused = kwargs.training !== true || this.activation === 'linear';
      const y = groupedConv2d(x, this.kernel!.read() as tf.Tensor4D, {
        strides: this.strides, pad: this.padding, groups: this.groups,
        bias: this.bias?.read() as tf.Tensor1D | undefined, activation: fused ? this.activation : 'linear',
      });
      return fused ? y : applyConvActivation(y, this.activation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: Config = {
      filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, groups: this.groups, useBias: this.useBias,
      activation: this.activation,
    };
    return { ...super.getConfig(), ...config };
  }
}
tf.serialization.registerClass(GroupedConv2D);
