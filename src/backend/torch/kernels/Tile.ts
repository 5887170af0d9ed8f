import { Tile, TileAttrs, TileInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const tileConfig = torchKernel<TileInputs, TileAttrs>(Tile, ({ x }, backend, { reps }) =>
  backend.execute1(Tile, [x], { reps }),
);
