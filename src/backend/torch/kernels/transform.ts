import { Transform, TransformAttrs, TransformInputs, TensorInfo, util } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';
import { Scope, composed } from '../scope';

/**
 * tfjs's image.transform: each output pixel (x, y) of image b samples the
 * input at ((t0 x + t1 y + t2) / k, (t3 x + t4 y + t5) / k), k = t6 x + t7 y + 1,
 * with the transform t of image b (or the only one). Sample positions are
 * computed in JS from the few transform numbers, as tfjs-backend-cpu does;
 * gathers and the interpolation run on ATen.
 */
type FillMode = TransformAttrs['fillMode'];

/** tfjs's mapping of a coordinate outside [0, len - 1] back into the image (or not: 'constant'). */
function mapCoord(coord: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return coord;
  if (mode === 'nearest' || (coord >= 0 && coord <= len - 1)) return util.clamp(0, coord, len - 1);
  if (len <= 1) return 0;
  let c = coord;
  if (mode === 'reflect') {
    const period = 2 * len;
    if (c < 0) {
      if (c < period) c = period * Math.trunc(-c / period) + c;
      c = c < -len ? c + period : -c - 1;
    } else {
      c -= period * Math.trunc(c / period);
      if (c >= len) c = period - c - 1;
    }
  } else {
    c = c < 0 ? c + len * (Math.trunc(-c / (len - 1)) + 1) : c - len * Math.trunc(c / (len - 1));
  }
  return util.clamp(0, c, len - 1);
}

/** One tap per output pixel: its flat pixel index (0 when outside the image), inside flag and weight. */
interface Tap {
  index: Int32Array;
  inside: Uint8Array;
  weight: Float32Array;
}

function taps(imageShape: number[], outSize: [number, number], transforms: Float32Array, attrs: TransformAttrs): Tap[] {
  const [batch, height, width] = imageShape;
  const [outHeight, outWidth] = outSize;
  const n = batch * outHeight * outWidth;
  const count = attrs.interpolation === 'nearest' ? 1 : 4;
  const result = Array.from({ length: count }, () => ({
    index: new Int32Array(n),
    inside: new Uint8Array(n),
    weight: new Float32Array(n),
  }));
  const set = (tap: Tap, p: number, b: number, row: number, col: number, weight: number) => {
    const inside = row >= 0 && row < height && col >= 0 && col < width;
    tap.inside[p] = inside ? 1 : 0;
    tap.index[p] = inside ? (b * height + row) * width + col : 0;
    tap.weight[p] = weight;
  };
  for (let b = 0, p = 0; b < batch; b++) {
    const t = transforms.length === 8 ? transforms : transforms.subarray(8 * b, 8 * b + 8);
    for (let outY = 0; outY < outHeight; outY++) {
      for (let outX = 0; outX < outWidth; outX++, p++) {
        const k = t[6] * outX + t[7] * outY + 1;
        if (k === 0) {
          set(result[0], p, b, -1, -1, 1); // no sample: the fill value
          continue;
        }
        const x = mapCoord((t[0] * outX + t[1] * outY + t[2]) / k, width, attrs.fillMode);
        const y = mapCoord((t[3] * outX + t[4] * outY + t[5]) / k, height, attrs.fillMode);
        if (count === 1) {
          set(result[0], p, b, Math.round(y), Math.round(x), 1);
          continue;
        }
        const [y0, x0] = [Math.floor(y), Math.floor(x)];
        set(result[0], p, b, y0, x0, (y0 + 1 - y) * (x0 + 1 - x));
        set(result[1], p, b, y0, x0 + 1, (y0 + 1 - y) * (x - x0));
        set(result[2], p, b, y0 + 1, x0, (y - y0) * (x0 + 1 - x));
        set(result[3], p, b, y0 + 1, x0 + 1, (y - y0) * (x - x0));
      }
    }
  }
  return result;
}

/** weight * (the pixel, or the fill value where the tap is outside the image). */
function weighted(s: Scope, pixels: TensorInfo, tap: Tap, fill: TensorInfo): TensorInfo {
  const n = tap.index.length;
  const value = s.op('Select', [s.values([n, 1], 'bool', tap.inside), s.gather(pixels, s.values([n], 'int32', tap.index), 0), fill]);
  return s.op('Multiply', [value, s.values([n, 1], 'float32', tap.weight)]);
}

export const transformConfig = torchKernel<TransformInputs, TransformAttrs>(Transform, ({ image, transforms }, backend, attrs) => {
  const [batch, height, width, channels] = image.shape;
  const outSize = attrs.outputShape ?? [height, width];
  const tapList = taps(image.shape, outSize, Float32Array.from(backend.readSync(transforms.dataId) as Float32Array), attrs);
  return composed(backend, (s) => {
    const pixels = s.reshape(s.op('Cast', [image], { dtype: 'float32' }), [batch * height * width, channels]);
    const fill = s.values([1, 1], 'float32', Float32Array.of(attrs.fillValue));
    const sum = tapList.map((tap) => weighted(s, pixels, tap, fill)).reduce((a, b) => s.op('Add', [a, b]));
    return s.reshape(s.op('Cast', [sum], { dtype: image.dtype }), [batch, outSize[0], outSize[1], channels]);
  });
});
