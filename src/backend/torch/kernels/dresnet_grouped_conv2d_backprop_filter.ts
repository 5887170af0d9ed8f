import { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import { GROUPED_CONV2D_BACKPROP_FILTER, GroupedConv2DBackpropFilterAttrs, GroupedConv2DBackpropFilterInputs } from '../../../ops/kernel_names';
import { convAttrs, torchKernel } from '../kernel_utils';

export const dresnetGroupedConv2DBackpropFilterConfig = torchKernel<GroupedConv2DBackpropFilterInputs, GroupedConv2DBackpropFilterAttrs>(
  GROUPED_CONV2D_BACKPROP_FILTER,
  ({ x, dy }, backend, attrs) =>
    backend.execute1(Conv2DBackpropFilter, [x, dy], {
      ...convAttrs(GROUPED_CONV2D_BACKPROP_FILTER, x.shape, attrs.filterShape, attrs),
      filterShape: attrs.filterShape,
      groups: attrs.groups,
    }),
);
