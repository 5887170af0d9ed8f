import { ResizeNearestNeighbor, ResizeNearestNeighborAttrs, ResizeNearestNeighborInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { axisTable, resizeAxes } from '../resize_utils';
import { composed } from '../scope';

/** Gathers the nearest source row, then column (keeps the dtype, as tfjs does). */
export const resizeNearestNeighborConfig = torchKernel<ResizeNearestNeighborInputs, ResizeNearestNeighborAttrs>(
  ResizeNearestNeighbor,
  ({ images }, backend, attrs) =>
    composed(backend, (s) => {
      const [rows, cols] = resizeAxes(images.shape, attrs.size, attrs);
      return s.gather(s.gather(images, axisTable(s, rows.nearest, 1), 1), axisTable(s, cols.nearest, 2), 2);
    }),
);
