/**
 * Every op name of the addon's op table (native/src/ops.cc and ops/): the
 * only names the TypeScript side may send (TorchBinding.op takes a NativeOp,
 * so a misspelt name does not compile), and, checked by
 * test/backend-torch-ops.test.ts against the built addon's opNames(), the
 * names the addon has (so a name missing on either side fails in npm test,
 * not at run time).
 */
export const NATIVE_OPS = [
  'Abs', 'Acos', 'Acosh', 'Add', 'AddN', 'All', 'Any', 'ArgMax', 'ArgMin', 'Asin', 'Asinh', 'Atan', 'Atan2',
  'Atanh', 'AvgPool', 'AvgPool3D', 'AvgPool3DGrad', 'AvgPoolGrad', 'BatchMatMul', 'BatchNormTrain',
  'BatchNormTrainGrad', 'BitwiseAnd', 'Cast', 'Ceil', 'ChannelScaleGrad', 'ClipByValue', 'ClipByValueGrad', 'Concat', 'Conv2D',
  'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Conv3D', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2',
  'Cos', 'Cosh', 'Cumprod', 'Cumsum', 'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput', 'Dilation2D', 'Dilation2DBackpropFilter', 'Dilation2DBackpropInput',
  'Einsum', 'Elu', 'EluGrad', 'Equal', 'Erf', 'Exp', 'Expm1', 'Fill', 'Floor', 'FloorDiv', 'FusedBatchNorm',
  'FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul', 'GatherV2', 'Greater', 'GreaterEqual', 'IndexAdd',
  'IndexPut', 'IsFinite', 'IsInf', 'IsNan', 'LeakyRelu', 'Less', 'LessEqual', 'Log', 'Log1p', 'LogicalAnd',
  'LogicalNot', 'LogicalOr', 'LogicalXor', 'LRN', 'LRNGrad', 'Max', 'Maximum', 'MaxPool', 'MaxPool3D',
  'MaxPool3DGrad', 'MaxPoolGrad', 'MaxPoolWithArgmax', 'Mean', 'Min', 'Minimum', 'Mod', 'MomentumUpdate',
  'Multiply', 'Neg', 'NotEqual', 'OneHot', 'OnesLike', 'Pack', 'PadV2', 'Pow', 'Prelu', 'Prod', 'RealDiv',
  'Reciprocal', 'Relu', 'Relu6', 'Relu6Grad', 'ReluGrad', 'Reshape', 'Reverse', 'Round', 'Rsqrt',
  'SearchSorted', 'Select', 'Selu', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Slice', 'Softmax', 'Softplus', 'SplitV',
  'Sqrt', 'Square', 'SquaredDifference', 'Step', 'StridedSlice', 'Sub', 'Sum', 'Tan', 'Tanh', 'Tile', 'TopK',
  'Transpose', 'Unpack', 'ZerosLike',
] as const;

export type NativeOp = (typeof NATIVE_OPS)[number];
