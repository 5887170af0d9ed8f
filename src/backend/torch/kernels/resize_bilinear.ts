import { ResizeBilinear, ResizeBilinearAttrs, ResizeBilinearInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { axisTable, lerp, resizeAxes } from '../resize_utils';
import { composed } from '../scope';

/** tfjs's formula exactly: lerp the two source columns of the two source rows, then the rows. */
export const resizeBilinearConfig = torchKernel<ResizeBilinearInputs, ResizeBilinearAttrs>(ResizeBilinear, ({ images }, backend, attrs) =>
  composed(backend, (s) => {
    const [rows, cols] = resizeAxes(images.shape, attrs.size, attrs);
    const x = s.op('Cast', [images], { dtype: 'float32' });
    const colFrac = axisTable(s, cols.frac, 2);
    const lerpCols = (r: typeof x) =>
      lerp(s, s.gather(r, axisTable(s, cols.lo, 2), 2), s.gather(r, axisTable(s, cols.hi, 2), 2), colFrac);
    const top = lerpCols(s.gather(x, axisTable(s, rows.lo, 1), 1));
    const bottom = lerpCols(s.gather(x, axisTable(s, rows.hi, 1), 1));
    return lerp(s, top, bottom, axisTable(s, rows.frac, 1));
  }),
);
