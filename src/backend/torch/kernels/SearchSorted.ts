import { SearchSorted, SearchSortedAttrs, SearchSortedInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

/** Both are [batch, n]: one sorted row of boundaries per row of values. */
export const searchSortedConfig = torchKernel<SearchSortedInputs, SearchSortedAttrs>(
  SearchSorted,
  ({ sortedSequence, values }, backend, { side }) => backend.execute1(SearchSorted, [sortedSequence, values], { side }),
);
