/** Max pooling with torch's explicit padding and ceil mode, which tfjs's 'same'/'valid' cannot express. */
import * as tfl from '@tensorflow/tfjs-layers';

export interface MaxPoolArgs { poolSize: number; strides: number; padding: number; ceilMode?: boolean }

/**
 * Pads with zeros, then pools 'valid'. Zero padding stands in for torch's
 * −∞ padding because every caller pools a ReLU output (all values ≥ 0). In
 * ceil mode the extra bottom/right rows make the last partial window count
 * (Table 1: 112 → 57 with 3×3/2, pad 1).
 */
export function maxPoolPadded(x: tfl.SymbolicTensor, args: MaxPoolArgs, name: string): tfl.SymbolicTensor {
  const { poolSize: k, strides: s, padding: p } = args;
  const size = x.shape[1] as number;
  const out = args.ceilMode ? Math.ceil((size + 2 * p - k) / s) + 1 : Math.floor((size + 2 * p - k) / s) + 1;
  const after = Math.max(p, (out - 1) * s + k - size - p);
  const padded = tfl.layers.zeroPadding2d({ padding: [[p, after], [p, after]], name: `${name}.pad` }).apply(x) as tfl.SymbolicTensor;
  return tfl.layers.maxPooling2d({ poolSize: k, strides: s, padding: 'valid', name }).apply(padded) as tfl.SymbolicTensor;
}
