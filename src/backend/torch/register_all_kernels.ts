import { KernelConfig, registerKernel } from '@tensorflow/tfjs-core';
import { TABLE_KERNELS } from './kernel_table';
import { avgPoolConfig } from './kernels/avg_pool';
import { avgPoolGradConfig } from './kernels/avg_pool_grad';
import { batchMatMulConfig } from './kernels/batch_mat_mul';
import { castConfig } from './kernels/cast';
import { conv2DConfig } from './kernels/conv2d';
import { conv2DBackpropFilterConfig } from './kernels/conv2d_backprop_filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d_backprop_input';
import { depthwiseConv2dNativeConfig } from './kernels/depthwise_conv2d_native';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/depthwise_conv2d_native_backprop_filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/depthwise_conv2d_native_backprop_input';
import { dresnetGroupedConv2DConfig } from './kernels/dresnet_grouped_conv2d';
import { dresnetGroupedConv2DBackpropFilterConfig } from './kernels/dresnet_grouped_conv2d_backprop_filter';
import { dresnetGroupedConv2DBackpropInputConfig } from './kernels/dresnet_grouped_conv2d_backprop_input';
import { expandDimsConfig } from './kernels/expand_dims';
import { fillConfig } from './kernels/fill';
import { fusedConv2DConfig } from './kernels/fused_conv2d';
import { fusedDepthwiseConv2DConfig } from './kernels/fused_depthwise_conv2d';
import { gatherV2Config } from './kernels/gather_v2';
import { identityConfig } from './kernels/identity';
import { maxPoolConfig } from './kernels/max_pool';
import { maxPoolGradConfig } from './kernels/max_pool_grad';
import { packConfig } from './kernels/pack';
import { padV2Config } from './kernels/pad_v2';
import { rangeConfig } from './kernels/range';
import { reshapeConfig } from './kernels/reshape';
import { sliceConfig } from './kernels/slice';
import { splitVConfig } from './kernels/split_v';
import { stridedSliceConfig } from './kernels/strided_slice';
import { fusedMatMulConfig } from './kernels/fused_mat_mul';
import { einsumConfig } from './kernels/einsum';
import { unsortedSegmentSumConfig } from './kernels/unsorted_segment_sum';
import { gatherNdConfig } from './kernels/gather_nd';
import { scatterNdConfig } from './kernels/scatter_nd';
import { tensorScatterUpdateConfig } from './kernels/tensor_scatter_update';
import { diagConfig } from './kernels/diag';
import { depthToSpaceConfig } from './kernels/depth_to_space';
import { mirrorPadConfig } from './kernels/mirror_pad';
import { spaceToBatchNDConfig } from './kernels/space_to_batch_nd';
import { batchToSpaceNDConfig } from './kernels/batch_to_space_nd';
import { resizeBilinearConfig } from './kernels/resize_bilinear';
import { resizeBilinearGradConfig } from './kernels/resize_bilinear_grad';
import { resizeNearestNeighborConfig } from './kernels/resize_nearest_neighbor';
import { resizeNearestNeighborGradConfig } from './kernels/resize_nearest_neighbor_grad';
import { conv3DConfig } from './kernels/conv3d';
import { conv3DBackpropInputV2Config } from './kernels/conv3d_backprop_input_v2';
import { conv3DBackpropFilterV2Config } from './kernels/conv3d_backprop_filter_v2';
import { maxPool3DConfig } from './kernels/max_pool3d';
import { maxPool3DGradConfig } from './kernels/max_pool3d_grad';
import { avgPool3DConfig } from './kernels/avg_pool3d';
import { avgPool3DGradConfig } from './kernels/avg_pool3d_grad';
import { maxPoolWithArgmaxConfig } from './kernels/max_pool_with_argmax';
import { cropAndResizeConfig } from './kernels/crop_and_resize';
import { dilation2DConfig } from './kernels/dilation2d';
import { dilation2DBackpropInputConfig } from './kernels/dilation2d_backprop_input';
import { dilation2DBackpropFilterConfig } from './kernels/dilation2d_backprop_filter';
import { transformConfig } from './kernels/transform';

/** The kernels with logic of their own, one file each in kernels/. */
const FILE_KERNELS: readonly KernelConfig[] = [
  avgPoolConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  castConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  dresnetGroupedConv2DConfig,
  dresnetGroupedConv2DBackpropFilterConfig,
  dresnetGroupedConv2DBackpropInputConfig,
  expandDimsConfig,
  fillConfig,
  fusedConv2DConfig,
  fusedDepthwiseConv2DConfig,
  gatherV2Config,
  identityConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  packConfig,
  padV2Config,
  rangeConfig,
  reshapeConfig,
  sliceConfig,
  splitVConfig,
  stridedSliceConfig,
  fusedMatMulConfig,
  // outside the zoo's path: for tfjs-core's own suite (and users' other models)
  einsumConfig,
  unsortedSegmentSumConfig,
  gatherNdConfig,
  scatterNdConfig,
  tensorScatterUpdateConfig,
  diagConfig,
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
  transformConfig,
];

/**
 * Every kernel of the torch backend: add one that only forwards to a native
 * op as a row of kernel_table.ts, any other as a file and its config here.
 */
export const KERNEL_CONFIGS: readonly KernelConfig[] = [...TABLE_KERNELS, ...FILE_KERNELS];

export function registerAllKernels(): void {
  for (const config of KERNEL_CONFIGS) registerKernel(config);
}
