import { UnsortedSegmentSum, UnsortedSegmentSumAttrs, UnsortedSegmentSumInputs, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/** segmentIds index the leading axes of x; ids outside [0, numSegments) are dropped, as in tfjs. */
export const unsortedSegmentSumConfig = torchKernel<UnsortedSegmentSumInputs, UnsortedSegmentSumAttrs>(
  UnsortedSegmentSum,
  ({ x, segmentIds }, backend, { numSegments }) =>
    composed(backend, (s) => {
      const rows = util.sizeFromShape(segmentIds.shape);
      const slice = x.shape.slice(segmentIds.shape.length);
      return s.indexAdd(s.reshape(x, [rows, ...slice]), s.reshape(segmentIds, [rows]), 0, numSegments);
    }),
);
