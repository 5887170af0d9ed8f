/**
 * The torch backend's kernels that only forward to one native op, as data:
 * which tfjs inputs go in, in which order, and which attributes. Kernels with
 * logic of their own (geometry, checks, composed ops) are files in kernels/;
 * register_all_kernels.ts registers both.
 */
import {
  Abs, Acos, Acosh, Add, AddN, All, Any, ArgMax, ArgMin, Asin, Asinh, Atan, Atan2, Atanh, Bincount, BitwiseAnd,
  BroadcastArgs, Ceil, ClipByValue, Complex, ComplexAbs, Concat, Cos, Cosh, Cumprod, Cumsum, DenseBincount, Elu, EluGrad,
  Equal, Erf, Exp, Expm1, FFT, FlipLeftRight, Floor, FloorDiv, FusedBatchNorm, Greater, GreaterEqual, IFFT, Imag, IsFinite,
  IsInf, IsNan, KernelConfig, LRN, LRNGrad, LeakyRelu, Less, LessEqual, LinSpace, Log, Log1p, LogicalAnd, LogicalNot,
  LogicalOr, LogicalXor, Max, Maximum, Mean, Min, Minimum, Mod, Multinomial, Multiply, NamedAttrMap, NamedTensorInfoMap,
  Neg, NonMaxSuppressionV3, NonMaxSuppressionV4, NonMaxSuppressionV5, NotEqual, OneHot, OnesLike, Pow, Prelu, Prod,
  RaggedGather, RaggedRange, RaggedTensorToTensor, Real, RealDiv, Reciprocal, Relu, Relu6, Reverse, Round, Rsqrt,
  SearchSorted, Select, Selu, Sigmoid, Sign, Sin, Sinh, Softmax, Softplus, SparseFillEmptyRows, SparseReshape,
  SparseSegmentMean, SparseSegmentSum, SparseToDense, Sqrt, Square, SquaredDifference, StaticRegexReplace, Step,
  StringNGrams, StringSplit, StringToHashBucketFast, Sub, Sum, Tan, Tanh, TensorInfo, Tile, TopK, Transpose, Unique,
  Unpack, ZerosLike, util,
} from '@tensorflow/tfjs-core';
import {
  BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, CHANNEL_SCALE_GRAD, CLIP_BY_VALUE_GRAD, MOMENTUM_UPDATE, RELU6_GRAD, RELU_GRAD,
} from '../../ops/kernel_names';
import type { NativeAttrs } from './binding';
import { binaryKernel, cpuKernel, reductionKernel, torchKernel, unaryKernel } from './kernel_utils';
import type { NativeOp } from './native_ops';

/** Elementwise kernels of one input `x`: the native op of the same name. */
const UNARY: readonly NativeOp[] = [
  Abs, Acos, Acosh, Asin, Asinh, Atan, Atanh, Ceil, Cos, Cosh, Elu, Erf, Exp, Expm1, Floor, IsFinite, IsInf, IsNan, Log,
  Log1p, LogicalNot, Neg, OnesLike, Reciprocal, Relu, Relu6, Round, Rsqrt, Selu, Sigmoid, Sign, Sin, Sinh, Softplus, Sqrt,
  Square, Tan, Tanh, ZerosLike,
];

/** Broadcasting kernels of inputs `a`, `b`: the native op of the same name. */
const BINARY: readonly NativeOp[] = [
  Add, Atan2, BitwiseAnd, Equal, FloorDiv, Greater, GreaterEqual, Less, LessEqual, LogicalAnd, LogicalOr, LogicalXor,
  Maximum, Minimum, Mod, Multiply, NotEqual, Pow, RealDiv, SquaredDifference, Sub,
];

/** Reductions of `x` over `axis` (see reductionKernel). */
const REDUCTIONS: readonly NativeOp[] = [All, Any, Max, Mean, Min, Prod, Sum];

/** How a forwarded kernel passes a tfjs attribute on: as it is, or normalised against its first input's shape. */
type AttrRule = 'value' | 'axis' | 'axes';

interface ForwardedFields {
  /**
   * The tfjs inputs in the native op's order (an absent optional one goes as
   * undefined); 'all': a list kernel's inputs (AddN, Concat) as they come.
   */
  inputs: readonly string[] | 'all';
  attrs?: Readonly<Record<string, AttrRule>>;
  /** Attributes the kernel fixes. */
  fixed?: NativeAttrs;
  /** The kernel returns every output of the op (else only the first). */
  multiOutput?: true;
}

/** A kernel forwarded to a native op: its own name's, unless `op` names another. */
type Forwarded = ForwardedFields & ({ kernel: NativeOp; op?: NativeOp } | { kernel: string; op: NativeOp });

const FORWARDED: readonly Forwarded[] = [
  { kernel: AddN, inputs: 'all' },
  { kernel: ArgMax, inputs: ['x'], attrs: { axis: 'axis' } },
  { kernel: ArgMin, inputs: ['x'], attrs: { axis: 'axis' } },
  { kernel: ClipByValue, inputs: ['x'], attrs: { clipValueMin: 'value', clipValueMax: 'value' } },
  { kernel: Concat, inputs: 'all', attrs: { axis: 'axis' } },
  { kernel: Cumprod, inputs: ['x'], attrs: { axis: 'axis', exclusive: 'value', reverse: 'value' } },
  { kernel: Cumsum, inputs: ['x'], attrs: { axis: 'axis', exclusive: 'value', reverse: 'value' } },
  { kernel: EluGrad, inputs: ['dy', 'y'] },
  // NHWC images: reverse the width axis.
  { kernel: FlipLeftRight, op: Reverse, inputs: ['image'], fixed: { dims: [2] } },
  { kernel: FusedBatchNorm, inputs: ['x', 'mean', 'variance', 'offset', 'scale'], attrs: { varianceEpsilon: 'value' } },
  { kernel: LeakyRelu, inputs: ['x'], attrs: { alpha: 'value' } },
  // Local response normalisation over the last (channel) axis.
  { kernel: LRN, inputs: ['x'], attrs: { depthRadius: 'value', bias: 'value', alpha: 'value', beta: 'value' } },
  { kernel: LRNGrad, inputs: ['dy', 'x', 'y'], attrs: { depthRadius: 'value', bias: 'value', alpha: 'value', beta: 'value' } },
  { kernel: OneHot, inputs: ['indices'], attrs: { depth: 'value', onValue: 'value', offValue: 'value', dtype: 'value' } },
  { kernel: Prelu, inputs: ['x', 'alpha'] },
  { kernel: Reverse, inputs: ['x'], attrs: { dims: 'axes' } },
  // Both are [batch, n]: one sorted row of boundaries per row of values.
  { kernel: SearchSorted, inputs: ['sortedSequence', 'values'], attrs: { side: 'value' } },
  { kernel: Select, inputs: ['condition', 't', 'e'] },
  { kernel: Softmax, inputs: ['logits'], attrs: { dim: 'value' } },
  { kernel: Step, inputs: ['x'], attrs: { alpha: 'value' } },
  { kernel: Tile, inputs: ['x'], attrs: { reps: 'value' } },
  { kernel: TopK, inputs: ['x'], attrs: { k: 'value' }, multiOutput: true },
  { kernel: Transpose, inputs: ['x'], attrs: { perm: 'value' } },
  { kernel: Unpack, inputs: ['value'], attrs: { axis: 'axis' }, multiOutput: true },
  // dresnet's kernels (src/ops/kernel_names.ts), each one native pass.
  { kernel: RELU_GRAD, op: 'ReluGrad', inputs: ['dy', 'x'] },
  { kernel: RELU6_GRAD, op: 'Relu6Grad', inputs: ['dy', 'x'] },
  // [dx, dScale] of a per-(image, channel) weighting in one pass (src/ops/multiply_grad.ts).
  { kernel: CHANNEL_SCALE_GRAD, op: 'ChannelScaleGrad', inputs: ['dy', 'x', 'scale'], multiOutput: true },
  { kernel: CLIP_BY_VALUE_GRAD, op: 'ClipByValueGrad', inputs: ['dy', 'x'], attrs: { clipValueMin: 'value', clipValueMax: 'value' } },
  // ATen's native_batch_norm in training mode: [y, mean, invStd] in one pass,
  // with running statistics given their updates too (ATen updates copies).
  {
    kernel: BATCH_NORM_TRAIN, op: 'BatchNormTrain', inputs: ['x', 'scale', 'offset', 'runningMean', 'runningVariance'],
    attrs: { epsilon: 'value', momentum: 'value' }, multiOutput: true,
  },
  // ATen's native_batch_norm_backward: [dx, dScale, dOffset].
  { kernel: BATCH_NORM_TRAIN_GRAD, op: 'BatchNormTrainGrad', inputs: ['dy', 'x', 'scale', 'mean', 'invStd'], attrs: { epsilon: 'value' }, multiOutput: true },
  // One native call for every variable: ATen's _foreach ops (multi-tensor kernels on CUDA).
  {
    kernel: MOMENTUM_UPDATE, op: 'MomentumUpdate', inputs: 'all',
    attrs: { learningRate: 'value', momentum: 'value', useNesterov: 'value', weightDecay: 'value', decayed: 'value' }, multiOutput: true,
  },
];

/**
 * Kernels that always run host-side on tfjs's cpu kernel (cpu_fallback.ts);
 * none is on the zoo's path.
 */
const HOST: readonly string[] = [
  // complex64 tensors live on the host cpu backend, as pairs of real and imaginary parts
  Complex, ComplexAbs, Real, Imag, FFT, IFFT,
  // string ops: string tensors live in JS (ATen has no string dtype)
  StringNGrams, StringSplit, StringToHashBucketFast, StaticRegexReplace,
  // output shape depends on the values (sparse and ragged tensors), computed element by element
  SparseFillEmptyRows, SparseReshape, SparseSegmentMean, SparseSegmentSum, SparseToDense,
  RaggedGather, RaggedRange, RaggedTensorToTensor,
  // greedy, sequential box selection whose output size depends on the scores
  NonMaxSuppressionV3, NonMaxSuppressionV4, NonMaxSuppressionV5,
  // output shape depends on the values (and strings are accepted)
  Unique,
  // histograms of int values whose tfjs semantics (size, weights, binaryOutput) run element by element
  Bincount, DenseBincount,
  // tfjs's seeded sampler (seedrandom), so a seed gives the same samples as on tfjs's cpu backend
  Multinomial,
  // shape arithmetic on two small int vectors
  BroadcastArgs,
  // values computed in JS from the attributes, like Range
  LinSpace,
];

function nativeAttr(rule: AttrRule, value: unknown, first: TensorInfo): NativeAttrs[string] {
  if (rule === 'value') return value as NativeAttrs[string];
  const axes = util.parseAxisParam(value as number | number[], first.shape);
  return rule === 'axis' ? axes[0] : axes;
}

function forwardedKernel(row: Forwarded): KernelConfig {
  const op = row.op ?? (row.kernel as NativeOp);
  return torchKernel<NamedTensorInfoMap, NamedAttrMap>(row.kernel, (inputs, backend, attrs) => {
    const ins = row.inputs === 'all' ? (Object.values(inputs) as TensorInfo[]) : row.inputs.map((name) => inputs[name] as TensorInfo | undefined);
    const native: NativeAttrs = { ...row.fixed };
    for (const [name, rule] of Object.entries(row.attrs ?? {})) native[name] = nativeAttr(rule, attrs[name], ins[0]!);
    return row.multiOutput ? backend.execute(op, ins, native) : backend.execute1(op, ins, native);
  });
}

/** The table's kernel configs. */
export const TABLE_KERNELS: readonly KernelConfig[] = [
  ...UNARY.map(unaryKernel),
  ...BINARY.map(binaryKernel),
  ...REDUCTIONS.map(reductionKernel),
  ...FORWARDED.map(forwardedKernel),
  ...HOST.map(cpuKernel),
];
