import { CropAndResize, CropAndResizeAttrs, CropAndResizeInputs } from '@tensorflow/tfjs-core';
import { lerp } from '../resize_utils';
import { torchKernel } from '../kernel_utils';
import { composed } from '../scope';

/**
 * Where each output pixel samples the image, computed in JS from the boxes
 * (few numbers) as tfjs-backend-cpu does: flat pixel indices of the image
 * viewed as [batch * height * width, channels], the bilinear weights, and
 * the value of pixels that sample nothing (outside the image: the
 * extrapolation value; a box of a batch index past the batch: 0).
 */
interface Samples {
  corners: [Int32Array, Int32Array, Int32Array, Int32Array]; // top-left, top-right, bottom-left, bottom-right
  nearest: Int32Array;
  xLerp: Float32Array;
  yLerp: Float32Array;
  sampled: Uint8Array;
  fill: Float32Array;
}

/** The source coordinate of output index i along one axis of a box edge pair (lo, hi). */
function source(lo: number, hi: number, i: number, inSize: number, outSize: number): number {
  return outSize > 1 ? lo * (inSize - 1) + (i * (hi - lo) * (inSize - 1)) / (outSize - 1) : 0.5 * (lo + hi) * (inSize - 1);
}

function samples(imageShape: number[], boxes: Float32Array, boxInd: Int32Array, attrs: CropAndResizeAttrs): Samples {
  const [batch, height, width] = imageShape;
  const [cropHeight, cropWidth] = attrs.cropSize;
  const n = boxInd.length * cropHeight * cropWidth;
  const s: Samples = {
    corners: [new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)],
    nearest: new Int32Array(n),
    xLerp: new Float32Array(n),
    yLerp: new Float32Array(n),
    sampled: new Uint8Array(n),
    fill: new Float32Array(n),
  };
  let p = 0;
  for (let b = 0; b < boxInd.length; b++) {
    const [y1, x1, y2, x2] = boxes.subarray(4 * b, 4 * b + 4);
    for (let y = 0; y < cropHeight; y++) {
      const yIn = source(y1, y2, y, height, cropHeight);
      for (let x = 0; x < cropWidth; x++, p++) {
        const xIn = source(x1, x2, x, width, cropWidth);
        if (boxInd[b] >= batch) continue; // fill 0
        s.fill[p] = attrs.extrapolationValue;
        if (yIn < 0 || yIn > height - 1 || xIn < 0 || xIn > width - 1) continue;
        const pixel = (row: number, col: number) => (boxInd[b] * height + row) * width + col;
        const [top, bottom, left, right] = [Math.floor(yIn), Math.ceil(yIn), Math.floor(xIn), Math.ceil(xIn)];
        s.corners[0][p] = pixel(top, left);
        s.corners[1][p] = pixel(top, right);
        s.corners[2][p] = pixel(bottom, left);
        s.corners[3][p] = pixel(bottom, right);
        s.nearest[p] = pixel(Math.round(yIn), Math.round(xIn));
        s.xLerp[p] = xIn - left;
        s.yLerp[p] = yIn - top;
        s.sampled[p] = 1;
      }
    }
  }
  return s;
}

export const cropAndResizeConfig = torchKernel<CropAndResizeInputs, CropAndResizeAttrs>(
  CropAndResize,
  ({ image, boxes, boxInd }, backend, attrs) => {
    const [batch, height, width, channels] = image.shape;
    const [cropHeight, cropWidth] = attrs.cropSize;
    const at = samples(
      image.shape,
      Float32Array.from(backend.readSync(boxes.dataId) as Float32Array),
      Int32Array.from(backend.readSync(boxInd.dataId) as Int32Array),
      attrs,
    );
    const n = at.nearest.length;
    return composed(backend, (s) => {
      const pixels = s.reshape(s.op('Cast', [image], { dtype: 'float32' }), [batch * height * width, channels]);
      const pick = (indices: Int32Array) => s.gather(pixels, s.values([n], 'int32', indices), 0);
      const weight = (w: Float32Array) => s.values([n, 1], 'float32', w);
      const bilinear = () => {
        const [topLeft, topRight, bottomLeft, bottomRight] = at.corners.map(pick);
        const xLerp = weight(at.xLerp);
        return lerp(s, lerp(s, topLeft, topRight, xLerp), lerp(s, bottomLeft, bottomRight, xLerp), weight(at.yLerp));
      };
      const value = attrs.method === 'nearest' ? pick(at.nearest) : bilinear();
      const out = s.op('Select', [s.values([n, 1], 'bool', at.sampled), value, weight(at.fill)]);
      return s.reshape(out, [at.sampled.length / (cropHeight * cropWidth), cropHeight, cropWidth, channels]);
    });
  },
);
