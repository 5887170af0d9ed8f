/**
 * Grouped 2-D convolution (NHWC): the input channels split into `groups`
 * equal blocks, each convolved with its own Cout/groups filters. groups = 1 is
 * an ordinary convolution; groups = Cin is a depthwise convolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ConvActivation, ConvPad, GROUPED_CONV2D, GROUPED_CONV2D_BACKPROP_FILTER, GROUPED_CONV2D_BACKPROP_INPUT,
  GroupedConv2DAttrs, GroupedConv2DBackpropFilterAttrs, GroupedConv2DBackpropInputAttrs, GroupedConvGeometry,
} from './kernel_names';
import { hasBackendKernel } from './dispatch';

type Shape4 = [number, number, number, number];

export interface GroupedConv2DOptions {
  strides?: number | [number, number];
  pad?: ConvPad;
  groups?: number;
  /** [Cout], added to the output. */
  bias?: tf.Tensor1D;
  /** Applied in the same kernel on backends that have one: for inference only (see GroupedConv2DInputs). */
  activation?: ConvActivation;
}

function geometry(opts: GroupedConv2DOptions): GroupedConvGeometry {
  const s = opts.strides ?? 1;
  return { strides: typeof s === 'number' ? [s, s] : [s[0], s[1]], pad: opts.pad ?? 'same', groups: opts.groups ?? 1 };
}

function checkShapes(xShape: readonly number[], filterShape: readonly number[], groups: number): void {
  const [, , ci, cout] = filterShape;
  const cin = xShape[3];
  if (!Number.isInteger(groups) || groups < 1 || cin % groups !== 0 || cout % groups !== 0 || ci * groups !== cin) {
    throw new Error(`groupedConv2d: input channels ${cin} and filter ${JSON.stringify(filterShape)} do not fit groups=${groups} ` +
      '(need Cin and Cout divisible by groups and filter [kh,kw,Cin/groups,Cout])');
  }
}

/** Grouped convolution of x [N,H,W,Cin] with filter [kh,kw,Cin/groups,Cout], then bias and activation if given. */
export function groupedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, opts: GroupedConv2DOptions = {}): tf.Tensor4D {
  const geo = geometry(opts);
  checkShapes(x.shape, filter.shape, geo.groups);
  const { bias, activation = 'linear' } = opts;
  if (hasBackendKernel(GROUPED_CONV2D)) {
    const attrs: GroupedConv2DAttrs = activation === 'linear' ? { ...geo } : { ...geo, activation };
    const inputs: tf.NamedTensorMap = bias === undefined ? { x, filter } : { x, filter, bias };
    return tf.engine().runKernel(GROUPED_CONV2D, inputs, attrs) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const y = genericGroupedConv2d(x, filter, geo);
    return applyConvActivation(bias === undefined ? y : tf.add(y, bias), activation);
  });
}

/** A ConvActivation as its own tfjs op (these have gradients). */
export function applyConvActivation(y: tf.Tensor4D, activation: ConvActivation): tf.Tensor4D {
  switch (activation) {
    case 'linear': return y;
    case 'relu': return tf.relu(y);
    case 'relu6': return tf.relu6(y);
  }
}

/**
 * The tfjs-ops implementation; its gradient is derived by tfjs. Each case is a
 * single batched op, never a loop over groups.
 */
export function genericGroupedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, geo: GroupedConvGeometry): tf.Tensor4D {
  const { strides, pad, groups } = geo;
  const [kh, kw, ci, cout] = filter.shape;
  return tf.tidy(() => {
    if (groups === 1) return tf.conv2d(x, filter, strides, pad);
    if (ci === 1) {
      // One input channel per group: a depthwise conv with channel multiplier Cout/Cin,
      // whose output order (channel-major) is the grouped conv's order.
      return tf.depthwiseConv2d(x, tf.reshape(filter, [kh, kw, groups, cout / groups]), strides, pad);
    }
    if (kh === 1 && kw === 1) return pointwiseGrouped(x, filter, geo);
    return tf.conv2d(x, blockDiagonal(filter, groups), strides, pad);
  });
}

/**
 * A 1×1 grouped conv as one batched matMul, [G, NHW, ci] × [G, ci, co]. (A
 * broadcast matMul would spare the transposes, but tfjs's BatchMatMul
 * gradient does not reduce broadcast batch dimensions.)
 */
function pointwiseGrouped(x: tf.Tensor4D, filter: tf.Tensor4D, geo: GroupedConvGeometry): tf.Tensor4D {
  const { groups } = geo;
  const [, , ci, cout] = filter.shape;
  const co = cout / groups;
  const xs = subsample(padSpatial(x, geo.pad), geo.strides);
  const [n, h, w] = xs.shape;
  const lhs = tf.transpose(tf.reshape(xs, [n * h * w, groups, ci]), [1, 0, 2]);
  const rhs = tf.transpose(tf.reshape(filter, [ci, groups, co]), [1, 0, 2]);
  const out = tf.matMul(lhs, rhs);
  return tf.reshape(tf.transpose(out, [1, 0, 2]), [n, h, w, cout]);
}

/** Explicit numeric padding; 'same' and 'valid' pad nothing for a 1×1 kernel. */
function padSpatial(x: tf.Tensor4D, pad: ConvPad): tf.Tensor4D {
  if (typeof pad !== 'number' || pad === 0) return x;
  return tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
}

/** Every s-th row and column from 0 (a strided 1×1 conv's sampling grid): a 1×1 average pool with stride s. */
function subsample(x: tf.Tensor4D, strides: [number, number]): tf.Tensor4D {
  if (strides[0] === 1 && strides[1] === 1) return x;
  return tf.avgPool(x, [1, 1], strides, 'valid');
}

/**
 * The dense [kh,kw,Cin,Cout] filter equal to a grouped one: the grouped filter
 * tiled over the input blocks and masked to the diagonal blocks, so gradients
 * flow back to the grouped filter through tile and multiply.
 */
export function blockDiagonal(filter: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [, , ci, cout] = filter.shape;
  const co = cout / groups;
  return tf.tidy(() => {
    const tiled = tf.tile(filter, [1, 1, groups, 1]);
    const inGroup = tf.floorDiv(tf.range(0, ci * groups, 1, 'int32'), ci);
    const outGroup = tf.floorDiv(tf.range(0, cout, 1, 'int32'), co);
    const mask = tf.cast(tf.equal(tf.reshape(inGroup, [-1, 1]), tf.reshape(outGroup, [1, -1])), 'float32');
    return tf.mul(tiled, mask);
  });
}

/** dx of the grouped conv: the native kernel when the backend has one, else tfjs's own conv backprop kernels. */
export function groupedConv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, geo: GroupedConvGeometry): tf.Tensor4D {
  if (hasBackendKernel(GROUPED_CONV2D_BACKPROP_INPUT)) {
    const attrs: GroupedConv2DBackpropInputAttrs = { ...geo, inputShape };
    return tf.engine().runKernel(GROUPED_CONV2D_BACKPROP_INPUT, { dy, filter }, attrs) as tf.Tensor4D;
  }
  return genericBackpropInput(dy, filter, inputShape, geo);
}

/** dfilter of the grouped conv, with the same native-or-generic dispatch. */
export function groupedConv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, geo: GroupedConvGeometry): tf.Tensor4D {
  if (hasBackendKernel(GROUPED_CONV2D_BACKPROP_FILTER)) {
    const attrs: GroupedConv2DBackpropFilterAttrs = { ...geo, filterShape };
    return tf.engine().runKernel(GROUPED_CONV2D_BACKPROP_FILTER, { x, dy }, attrs) as tf.Tensor4D;
  }
  return genericBackpropFilter(x, dy, filterShape, geo);
}

/*
 * The generic backprops call tfjs's standard backprop kernels directly (every
 * backend has them) rather than tf.grad: a tf.grad nested inside a gradient
 * function resets the engine's active tape and breaks the outer backprop.
 */

function genericBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, geo: GroupedConvGeometry): tf.Tensor4D {
  const { strides, pad, groups } = geo;
  const [kh, kw, ci, cout] = filter.shape;
  return tf.tidy(() => {
    if (groups > 1 && ci === 1) {
      const attrs = { strides, pad, dilations: 1, inputShape };
      const dwFilter = tf.reshape(filter, [kh, kw, groups, cout / groups]);
      return tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: dwFilter }, attrs) as tf.Tensor4D;
    }
    const dense = groups === 1 ? filter : blockDiagonal(filter, groups);
    return tf.conv2dTranspose(dy, dense, inputShape, strides, pad);
  });
}

function genericBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, geo: GroupedConvGeometry): tf.Tensor4D {
  const { strides, pad, groups } = geo;
  const [kh, kw, ci, cout] = filterShape;
  const cin = ci * groups;
  return tf.tidy(() => {
    if (groups > 1 && ci === 1) {
      const attrs = { strides, pad, dilations: 1, filterShape: [kh, kw, cin, cout / cin] };
      const dw = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, attrs) as tf.Tensor4D;
      return tf.reshape(dw, filterShape);
    }
    const attrs = { strides, pad, dataFormat: 'NHWC', filterShape: [kh, kw, cin, cout] };
    const dense = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor4D;
    return groups === 1 ? dense : diagonalBlocks(dense, groups);
  });
}

/** The inverse of blockDiagonal for gradients: keep each output group's own input block. */
function diagonalBlocks(dense: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [kh, kw, cin, cout] = dense.shape;
  const ci = cin / groups;
  const co = cout / groups;
  const blocks = tf.reshape(dense, [kh, kw, groups, ci, groups, co]);
  const eye = tf.reshape(tf.eye(groups), [groups, 1, groups, 1]);
  return tf.reshape(tf.sum(tf.mul(blocks, eye), 2), [kh, kw, ci, cout]);
}

/** The gradient used when a backend runs the native forward kernel. */
export const groupedConv2dGradConfig: tf.GradConfig = {
  kernelName: GROUPED_CONV2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as GroupedConv2DAttrs;
    if ((a.activation ?? 'linear') !== 'linear') {
      throw new Error(`${GROUPED_CONV2D} with activation '${a.activation}' is for inference: its gradient is not defined here ` +
        '(train the model with its batch norms, fuse them afterwards)');
    }
    const geo: GroupedConvGeometry = { strides: a.strides, pad: a.pad, groups: a.groups };
    return {
      x: () => groupedConv2dBackpropInput(dy as tf.Tensor4D, filter, x.shape, geo),
      filter: () => groupedConv2dBackpropFilter(x, dy as tf.Tensor4D, filter.shape, geo),
      bias: () => tf.sum(dy as tf.Tensor4D, [0, 1, 2]),
    };
  },
};
