import { ResizeNearestNeighborGrad, ResizeNearestNeighborGradAttrs, ResizeNearestNeighborGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { axisTable, resizeAxes } from '../resize_utils';
import { composed } from '../scope';

/** Sums each output pixel's gradient into the source pixel it was copied from. */
export const resizeNearestNeighborGradConfig = torchKernel<ResizeNearestNeighborGradInputs, ResizeNearestNeighborGradAttrs>(
  ResizeNearestNeighborGrad,
  ({ images, dy }, backend, attrs) =>
    composed(backend, (s) => {
      const [rows, cols] = resizeAxes(images.shape, [dy.shape[1], dy.shape[2]], attrs);
      const perColumn = s.indexAdd(dy, axisTable(s, cols.nearest, 2), 2, images.shape[2]);
      return s.indexAdd(perColumn, axisTable(s, rows.nearest, 1), 1, images.shape[1]);
    }),
);
