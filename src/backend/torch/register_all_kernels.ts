import { KernelConfig, registerKernel } from '@tensorflow/tfjs-core';
import { absConfig } from './kernels/Abs';
import { acosConfig } from './kernels/Acos';
import { acoshConfig } from './kernels/Acosh';
import { addConfig } from './kernels/Add';
import { addNConfig } from './kernels/AddN';
import { allConfig } from './kernels/All';
import { anyConfig } from './kernels/Any';
import { argMaxConfig } from './kernels/ArgMax';
import { argMinConfig } from './kernels/ArgMin';
import { asinConfig } from './kernels/Asin';
import { asinhConfig } from './kernels/Asinh';
import { atanConfig } from './kernels/Atan';
import { atan2Config } from './kernels/Atan2';
import { atanhConfig } from './kernels/Atanh';
import { avgPoolConfig } from './kernels/AvgPool';
import { avgPoolGradConfig } from './kernels/AvgPoolGrad';
import { batchMatMulConfig } from './kernels/BatchMatMul';
import { castConfig } from './kernels/Cast';
import { ceilConfig } from './kernels/Ceil';
import { clipByValueConfig } from './kernels/ClipByValue';
import { concatConfig } from './kernels/Concat';
import { conv2DConfig } from './kernels/Conv2D';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput';
import { cosConfig } from './kernels/Cos';
import { coshConfig } from './kernels/Cosh';
import { cumprodConfig } from './kernels/Cumprod';
import { cumsumConfig } from './kernels/Cumsum';
import { depthwiseConv2dNativeConfig } from './kernels/DepthwiseConv2dNative';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/DepthwiseConv2dNativeBackpropInput';
import { dresnetBatchNormTrainConfig } from './kernels/DresnetBatchNormTrain';
import { dresnetBatchNormTrainGradConfig } from './kernels/DresnetBatchNormTrainGrad';
import { dresnetGroupedConv2DConfig } from './kernels/DresnetGroupedConv2D';
import { dresnetGroupedConv2DBackpropFilterConfig } from './kernels/DresnetGroupedConv2DBackpropFilter';
import { dresnetGroupedConv2DBackpropInputConfig } from './kernels/DresnetGroupedConv2DBackpropInput';
import { dresnetMomentumUpdateConfig } from './kernels/DresnetMomentumUpdate';
import { dresnetClipByValueGradConfig } from './kernels/DresnetClipByValueGrad';
import { dresnetRelu6GradConfig } from './kernels/DresnetRelu6Grad';
import { dresnetReluGradConfig } from './kernels/DresnetReluGrad';
import { eluConfig } from './kernels/Elu';
import { eluGradConfig } from './kernels/EluGrad';
import { equalConfig } from './kernels/Equal';
import { erfConfig } from './kernels/Erf';
import { expConfig } from './kernels/Exp';
import { expandDimsConfig } from './kernels/ExpandDims';
import { expm1Config } from './kernels/Expm1';
import { fillConfig } from './kernels/Fill';
import { floorConfig } from './kernels/Floor';
import { floorDivConfig } from './kernels/FloorDiv';
import { fusedBatchNormConfig } from './kernels/FusedBatchNorm';
import { fusedConv2DConfig } from './kernels/FusedConv2D';
import { fusedDepthwiseConv2DConfig } from './kernels/FusedDepthwiseConv2D';
import { gatherV2Config } from './kernels/GatherV2';
import { greaterConfig } from './kernels/Greater';
import { greaterEqualConfig } from './kernels/GreaterEqual';
import { identityConfig } from './kernels/Identity';
import { isFiniteConfig } from './kernels/IsFinite';
import { isInfConfig } from './kernels/IsInf';
import { isNanConfig } from './kernels/IsNan';
import { leakyReluConfig } from './kernels/LeakyRelu';
import { lessConfig } from './kernels/Less';
import { lessEqualConfig } from './kernels/LessEqual';
import { logConfig } from './kernels/Log';
import { log1pConfig } from './kernels/Log1p';
import { logicalAndConfig } from './kernels/LogicalAnd';
import { logicalNotConfig } from './kernels/LogicalNot';
import { logicalOrConfig } from './kernels/LogicalOr';
import { logicalXorConfig } from './kernels/LogicalXor';
import { maxConfig } from './kernels/Max';
import { maxPoolConfig } from './kernels/MaxPool';
import { maxPoolGradConfig } from './kernels/MaxPoolGrad';
import { maximumConfig } from './kernels/Maximum';
import { meanConfig } from './kernels/Mean';
import { minConfig } from './kernels/Min';
import { minimumConfig } from './kernels/Minimum';
import { modConfig } from './kernels/Mod';
import { multiplyConfig } from './kernels/Multiply';
import { negConfig } from './kernels/Neg';
import { notEqualConfig } from './kernels/NotEqual';
import { oneHotConfig } from './kernels/OneHot';
import { onesLikeConfig } from './kernels/OnesLike';
import { packConfig } from './kernels/Pack';
import { padV2Config } from './kernels/PadV2';
import { powConfig } from './kernels/Pow';
import { preluConfig } from './kernels/Prelu';
import { prodConfig } from './kernels/Prod';
import { rangeConfig } from './kernels/Range';
import { realDivConfig } from './kernels/RealDiv';
import { reciprocalConfig } from './kernels/Reciprocal';
import { reluConfig } from './kernels/Relu';
import { relu6Config } from './kernels/Relu6';
import { reshapeConfig } from './kernels/Reshape';
import { reverseConfig } from './kernels/Reverse';
import { roundConfig } from './kernels/Round';
import { rsqrtConfig } from './kernels/Rsqrt';
import { selectConfig } from './kernels/Select';
import { seluConfig } from './kernels/Selu';
import { sigmoidConfig } from './kernels/Sigmoid';
import { signConfig } from './kernels/Sign';
import { sinConfig } from './kernels/Sin';
import { sinhConfig } from './kernels/Sinh';
import { sliceConfig } from './kernels/Slice';
import { softmaxConfig } from './kernels/Softmax';
import { softplusConfig } from './kernels/Softplus';
import { splitVConfig } from './kernels/SplitV';
import { sqrtConfig } from './kernels/Sqrt';
import { squareConfig } from './kernels/Square';
import { squaredDifferenceConfig } from './kernels/SquaredDifference';
import { stepConfig } from './kernels/Step';
import { stridedSliceConfig } from './kernels/StridedSlice';
import { subConfig } from './kernels/Sub';
import { sumConfig } from './kernels/Sum';
import { tanConfig } from './kernels/Tan';
import { tanhConfig } from './kernels/Tanh';
import { tileConfig } from './kernels/Tile';
import { topKConfig } from './kernels/TopK';
import { transposeConfig } from './kernels/Transpose';
import { unpackConfig } from './kernels/Unpack';
import { zerosLikeConfig } from './kernels/ZerosLike';
import { fusedMatMulConfig } from './kernels/_FusedMatMul';
import { stringNGramsConfig } from './kernels/StringNGrams';
import { stringSplitConfig } from './kernels/StringSplit';
import { stringToHashBucketFastConfig } from './kernels/StringToHashBucketFast';
import { staticRegexReplaceConfig } from './kernels/StaticRegexReplace';
import { sparseFillEmptyRowsConfig } from './kernels/SparseFillEmptyRows';
import { sparseReshapeConfig } from './kernels/SparseReshape';
import { sparseSegmentMeanConfig } from './kernels/SparseSegmentMean';
import { sparseSegmentSumConfig } from './kernels/SparseSegmentSum';
import { sparseToDenseConfig } from './kernels/SparseToDense';
import { raggedGatherConfig } from './kernels/RaggedGather';
import { raggedRangeConfig } from './kernels/RaggedRange';
import { raggedTensorToTensorConfig } from './kernels/RaggedTensorToTensor';
import { nonMaxSuppressionV3Config } from './kernels/NonMaxSuppressionV3';
import { nonMaxSuppressionV4Config } from './kernels/NonMaxSuppressionV4';
import { nonMaxSuppressionV5Config } from './kernels/NonMaxSuppressionV5';
import { uniqueConfig } from './kernels/Unique';
import { bincountConfig } from './kernels/Bincount';
import { denseBincountConfig } from './kernels/DenseBincount';
import { multinomialConfig } from './kernels/Multinomial';
import { broadcastArgsConfig } from './kernels/BroadcastArgs';
import { linSpaceConfig } from './kernels/LinSpace';
import { einsumConfig } from './kernels/Einsum';
import { searchSortedConfig } from './kernels/SearchSorted';
import { lrnConfig } from './kernels/LRN';
import { lrnGradConfig } from './kernels/LRNGrad';
import { bitwiseAndConfig } from './kernels/BitwiseAnd';
import { unsortedSegmentSumConfig } from './kernels/UnsortedSegmentSum';
import { gatherNdConfig } from './kernels/GatherNd';
import { scatterNdConfig } from './kernels/ScatterNd';
import { tensorScatterUpdateConfig } from './kernels/TensorScatterUpdate';
import { diagConfig } from './kernels/Diag';
import { flipLeftRightConfig } from './kernels/FlipLeftRight';
import { depthToSpaceConfig } from './kernels/DepthToSpace';
import { mirrorPadConfig } from './kernels/MirrorPad';
import { spaceToBatchNDConfig } from './kernels/SpaceToBatchND';
import { batchToSpaceNDConfig } from './kernels/BatchToSpaceND';
import { resizeBilinearConfig } from './kernels/ResizeBilinear';
import { resizeBilinearGradConfig } from './kernels/ResizeBilinearGrad';
import { resizeNearestNeighborConfig } from './kernels/ResizeNearestNeighbor';
import { resizeNearestNeighborGradConfig } from './kernels/ResizeNearestNeighborGrad';
import { conv3DConfig } from './kernels/Conv3D';
import { conv3DBackpropInputV2Config } from './kernels/Conv3DBackpropInputV2';
import { conv3DBackpropFilterV2Config } from './kernels/Conv3DBackpropFilterV2';
import { maxPool3DConfig } from './kernels/MaxPool3D';
import { maxPool3DGradConfig } from './kernels/MaxPool3DGrad';
import { avgPool3DConfig } from './kernels/AvgPool3D';
import { avgPool3DGradConfig } from './kernels/AvgPool3DGrad';
import { maxPoolWithArgmaxConfig } from './kernels/MaxPoolWithArgmax';
import { cropAndResizeConfig } from './kernels/CropAndResize';
import { dilation2DConfig } from './kernels/Dilation2D';
import { dilation2DBackpropInputConfig } from './kernels/Dilation2DBackpropInput';
import { dilation2DBackpropFilterConfig } from './kernels/Dilation2DBackpropFilter';
import { complexConfig } from './kernels/Complex';
import { realConfig } from './kernels/Real';
import { imagConfig } from './kernels/Imag';
import { complexAbsConfig } from './kernels/ComplexAbs';
import { fftConfig } from './kernels/FFT';
import { ifftConfig } from './kernels/IFFT';
import { transformConfig } from './kernels/Transform';

/** Every kernel of the torch backend; add a kernel by adding its file and its config here. */
export const KERNEL_CONFIGS: readonly KernelConfig[] = [
  absConfig,
  acosConfig,
  acoshConfig,
  addConfig,
  addNConfig,
  allConfig,
  anyConfig,
  argMaxConfig,
  argMinConfig,
  asinConfig,
  asinhConfig,
  atanConfig,
  atan2Config,
  atanhConfig,
  avgPoolConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  castConfig,
  ceilConfig,
  clipByValueConfig,
  concatConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  cosConfig,
  coshConfig,
  cumprodConfig,
  cumsumConfig,
  depthwiseConv2dNativeConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  dresnetBatchNormTrainConfig,
  dresnetBatchNormTrainGradConfig,
  dresnetReluGradConfig,
  dresnetRelu6GradConfig,
  dresnetClipByValueGradConfig,
  dresnetGroupedConv2DConfig,
  dresnetGroupedConv2DBackpropFilterConfig,
  dresnetGroupedConv2DBackpropInputConfig,
  dresnetMomentumUpdateConfig,
  eluConfig,
  eluGradConfig,
  equalConfig,
  erfConfig,
  expConfig,
  expandDimsConfig,
  expm1Config,
  fillConfig,
  floorConfig,
  floorDivConfig,
  fusedBatchNormConfig,
  fusedConv2DConfig,
  fusedDepthwiseConv2DConfig,
  gatherV2Config,
  greaterConfig,
  greaterEqualConfig,
  identityConfig,
  isFiniteConfig,
  isInfConfig,
  isNanConfig,
  leakyReluConfig,
  lessConfig,
  lessEqualConfig,
  logConfig,
  log1pConfig,
  logicalAndConfig,
  logicalNotConfig,
  logicalOrConfig,
  logicalXorConfig,
  maxConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  maximumConfig,
  meanConfig,
  minConfig,
  minimumConfig,
  modConfig,
  multiplyConfig,
  negConfig,
  notEqualConfig,
  oneHotConfig,
  onesLikeConfig,
  packConfig,
  padV2Config,
  powConfig,
  preluConfig,
  prodConfig,
  rangeConfig,
  realDivConfig,
  reciprocalConfig,
  reluConfig,
  relu6Config,
  reshapeConfig,
  reverseConfig,
  roundConfig,
  rsqrtConfig,
  selectConfig,
  seluConfig,
  sigmoidConfig,
  signConfig,
  sinConfig,
  sinhConfig,
  sliceConfig,
  softmaxConfig,
  softplusConfig,
  splitVConfig,
  sqrtConfig,
  squareConfig,
  squaredDifferenceConfig,
  stepConfig,
  stridedSliceConfig,
  subConfig,
  sumConfig,
  tanConfig,
  tanhConfig,
  tileConfig,
  topKConfig,
  transposeConfig,
  unpackConfig,
  zerosLikeConfig,
  fusedMatMulConfig,
  // outside the zoo's path: for tfjs-core's own suite (and users' other models)
  stringNGramsConfig,
  stringSplitConfig,
  stringToHashBucketFastConfig,
  staticRegexReplaceConfig,
  sparseFillEmptyRowsConfig,
  sparseReshapeConfig,
  sparseSegmentMeanConfig,
  sparseSegmentSumConfig,
  sparseToDenseConfig,
  raggedGatherConfig,
  raggedRangeConfig,
  raggedTensorToTensorConfig,
  nonMaxSuppressionV3Config,
  nonMaxSuppressionV4Config,
  nonMaxSuppressionV5Config,
  uniqueConfig,
  bincountConfig,
  denseBincountConfig,
  multinomialConfig,
  broadcastArgsConfig,
  linSpaceConfig,
  einsumConfig,
  searchSortedConfig,
  lrnConfig,
  lrnGradConfig,
  bitwiseAndConfig,
  unsortedSegmentSumConfig,
  gatherNdConfig,
  scatterNdConfig,
  tensorScatterUpdateConfig,
  diagConfig,
  flipLeftRightConfig,
  depthToSpaceConfig,
  mirrorPadConfig,
  spaceToBatchNDConfig,
  batchToSpaceNDConfig,
  resizeBilinearConfig,
  resizeBilinearGradConfig,
  resizeNearestNeighborConfig,
  resizeNearestNeighborGradConfig,
  conv3DConfig,
  conv3DBackpropInputV2Config,
  conv3DBackpropFilterV2Config,
  maxPool3DConfig,
  maxPool3DGradConfig,
  avgPool3DConfig,
  avgPool3DGradConfig,
  maxPoolWithArgmaxConfig,
  cropAndResizeConfig,
  dilation2DConfig,
  dilation2DBackpropInputConfig,
  dilation2DBackpropFilterConfig,
  complexConfig,
  realConfig,
  imagConfig,
  complexAbsConfig,
  fftConfig,
  ifftConfig,
  transformConfig,
];

export function registerAllKernels(): void {
  for (const config of KERNEL_CONFIGS) registerKernel(config);
}
