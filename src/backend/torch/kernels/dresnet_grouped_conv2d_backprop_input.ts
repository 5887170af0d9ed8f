import { Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import { GROUPED_CONV2D_BACKPROP_INPUT, GroupedConv2DBackpropInputAttrs, GroupedConv2DBackpropInputInputs } from '../../../ops/kernel_names';
import { convAttrs, torchKernel } from '../kernel_utils';

export const dresnetGroupedConv2DBackpropInputConfig = torchKernel<GroupedConv2DBackpropInputInputs, GroupedConv2DBackpropInputAttrs>(
  GROUPED_CONV2D_BACKPROP_INPUT,
  ({ dy, filter }, backend, attrs) =>
    backend.execute1(Conv2DBackpropInput, [dy, filter], {
      ...convAttrs(GROUPED_CONV2D_BACKPROP_INPUT, attrs.inputShape, filter.shape, attrs),
      inputShape: attrs.inputShape,
      groups: attrs.groups,
    }),
);
