/**
 * The contracts of dresnet's own kernels: the kernels tfjs lacks. Every
 * backend shares these names and input/attribute shapes; a backend that
 * registers a kernel under one of these names gets it used by the ops in this
 * folder, and every other backend runs the generic tfjs-ops implementation.
 */
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** 'same'/'valid' as in tf.conv2d, or a number: that many zero rows/columns on every side. */
export type ConvPad = 'same' | 'valid' | number;

export const GROUPED_CONV2D = 'DresnetGroupedConv2D';
export const GROUPED_CONV2D_BACKPROP_INPUT = 'DresnetGroupedConv2DBackpropInput';
export const GROUPED_CONV2D_BACKPROP_FILTER = 'DresnetGroupedConv2DBackpropFilter';
export const BATCH_NORM_TRAIN = 'DresnetBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'DresnetBatchNormTrainGrad';

export interface GroupedConvGeometry {
  strides: [number, number];
  pad: ConvPad;
  groups: number;
}

/** What a convolution can apply to its output in the same kernel, as tfjs's fused convolutions name them. */
export type ConvActivation = 'linear' | 'relu' | 'relu6';

/**
 * x: [N,H,W,Cin] float32; filter: [kh,kw,Cin/groups,Cout]; bias: [Cout] →
 * activation(conv + bias): [N,Ho,Wo,Cout]. Bias and activation come from
 * batch norms fused into the convolution for inference; the registered
 * gradient covers the convolution and the bias, and refuses an activation.
 */
export interface GroupedConv2DInputs { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo }
export type GroupedConv2DAttrs = GroupedConvGeometry & { activation?: ConvActivation } & NamedAttrMap;

/** dy: [N,Ho,Wo,Cout]; filter: [kh,kw,Cin/groups,Cout] → dx: inputShape. */
export interface GroupedConv2DBackpropInputInputs { dy: TensorInfo; filter: TensorInfo }
export type GroupedConv2DBackpropInputAttrs = GroupedConvGeometry & { inputShape: [number, number, number, number] } & NamedAttrMap;

/** x: [N,H,W,Cin]; dy: [N,Ho,Wo,Cout] → dfilter: filterShape. */
export interface GroupedConv2DBackpropFilterInputs { x: TensorInfo; dy: TensorInfo }
export type GroupedConv2DBackpropFilterAttrs = GroupedConvGeometry & { filterShape: [number, number, number, number] } & NamedAttrMap;

/**
 * x: [N,H,W,C] or [N,C]; scale, offset: [C] → [y, mean [C], invStd [C]], with
 * batch statistics over every axis but the last, biased variance and
 * invStd = 1/sqrt(var + epsilon) (torch's native_batch_norm in training mode).
 * With runningMean and runningVariance ([C]) also → [runningMean',
 * runningVariance']: (1 − momentum)·running + momentum·batch, the variance
 * term unbiased (torch's rule), so the layer's update costs no extra kernels.
 */
export interface BatchNormTrainInputs { x: TensorInfo; scale: TensorInfo; offset: TensorInfo; runningMean?: TensorInfo; runningVariance?: TensorInfo }
export type BatchNormTrainAttrs = { epsilon: number; momentum: number } & NamedAttrMap;

/** dy, x: like x; scale, mean, invStd: [C] → [dx, dScale, dOffset]. */
export interface BatchNormTrainGradInputs { dy: TensorInfo; x: TensorInfo; scale: TensorInfo; mean: TensorInfo; invStd: TensorInfo }
export type BatchNormTrainGradAttrs = { epsilon: number } & NamedAttrMap;

export const RELU_GRAD = 'DresnetReluGrad';
export const RELU6_GRAD = 'DresnetRelu6Grad';
export const CLIP_BY_VALUE_GRAD = 'DresnetClipByValueGrad';

/**
 * dy, x: same shape, float32 → dy where the activation passes x through
 * (x > 0 for ReLU, 0 < x <= 6 for ReLU6, clipValueMin <= x <= clipValueMax
 * for ClipByValue), 0 elsewhere: the gradient with respect to x. For ReLU a
 * NaN x may give dy instead of tfjs's NaN.
 */
export interface ActivationGradInputs { dy: TensorInfo; x: TensorInfo }
/** ClipByValue's own attributes. */
export type ClipByValueGradAttrs = { clipValueMin: number; clipValueMax: number } & NamedAttrMap;

export const CHANNEL_SCALE_GRAD = 'DresnetChannelScaleGrad';

/**
 * The gradients of y = x * scale with x [N, ..., C] and scale [N, 1, ..., 1, C]
 * (one weight per image and channel: an SE block's channel weighting): dy, x
 * like x, float32 → [dx = dy * scale, dScale = dy * x summed over the middle
 * axes, scale's shape]. Multiply's gradient (src/ops/multiply_grad.ts) runs it
 * for that broadcast where the backend has it.
 */
export interface ChannelScaleGradInputs { dy: TensorInfo; x: TensorInfo; scale: TensorInfo }

export const MOMENTUM_UPDATE = 'DresnetMomentumUpdate';

/**
 * Inputs, as an array (like AddN's): values[n], accumulations[n],
 * gradients[n], float32 of matching shapes → [values'[n], accumulations'[n]]:
 * with g = gradient + weightDecay·value for the variables listed in `decayed`
 * (indices; the gradient alone for the others),
 * accumulation' = momentum·accumulation + g, value' = value −
 * learningRate·accumulation' (Nesterov: value − learningRate·(g +
 * momentum·accumulation')): tfjs's MomentumOptimizer rule with PyTorch SGD's
 * coupled weight decay, for every variable in one kernel.
 */
export type MomentumUpdateAttrs = {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  weightDecay: number;
  decayed: number[];
} & NamedAttrMap;
