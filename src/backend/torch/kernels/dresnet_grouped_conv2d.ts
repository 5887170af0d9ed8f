import { Conv2D } from '@tensorflow/tfjs-core';
import { GROUPED_CONV2D, GroupedConv2DAttrs, GroupedConv2DInputs } from '../../../ops/kernel_names';
import { convAttrs, torchKernel } from '../kernel_utils';

/** One grouped ATen convolution, with bias and activation in the same native call (the generic path runs one conv per group). */
export const dresnetGroupedConv2DConfig = torchKernel<GroupedConv2DInputs, GroupedConv2DAttrs>(
  GROUPED_CONV2D,
  ({ x, filter, bias }, backend, attrs) =>
    backend.execute1(Conv2D, [x, filter, bias, undefined], {
      ...convAttrs(GROUPED_CONV2D, x.shape, filter.shape, attrs),
      groups: attrs.groups,
      activation: attrs.activation ?? 'linear',
    }),
);
