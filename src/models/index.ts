/** The model zoo: registry, the built-in families (registered here), layers and stats. */
import './families';

export { createModel, listModels, getModelDefinition, paperSizes, resolveModelOptions, modelOptionsFromConfig, registerModel } from './registry';
export type { CommonOptions, ModelOptions, ModelDefinition, PaperSize, OptionValue } from './registry';
export type { DResNetOptions } from './dresnet';
export { modelStats, layerMacs, MACS_CONVENTION } from './stats';
export type { ModelStats, LayerStats } from './stats';
export { LOGITS_LAYER, PROBS_LAYER, logitsModel } from './layers/classifier';
export { trainingLogits } from './training_logits';
export { fuseBatchNorms } from './fuse_bn';
export { GroupedConv2D } from './layers/grouped_conv2d';
export { BatchNorm } from './layers/batch_norm';
export { ChannelShuffle } from './layers/channel_shuffle';
export { PaddedMaxPool2D } from './layers/pool';
export { ChannelSlice } from './layers/channel_slice';
export { ReLU6 } from './layers/activation';
