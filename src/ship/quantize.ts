/**
 * Weight quantization in tfjs's own manifest form, the one tfjs-converter
 * writes (its quantization.py): each weight spec gains
 * `quantization: {dtype, scale, min}` (uint8) or `{dtype: 'float16'}`, the
 * shard holds the quantized values, and stock tfjs dequantizes them to
 * float32 as it loads (tf.io.decodeWeights).
 */
import * as tf from '@tensorflow/tfjs-core';

export type Quantization = 'none' | 'float16' | 'uint8';
export const QUANTIZATIONS: readonly Quantization[] = ['none', 'float16', 'uint8'];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision bits of a float32, rounded to nearest even (overflow to infinity, underflow through subnormals). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++;
  return sign | r;
}

/**
 * uint8 affine quantization, as tfjs-converter does it: scale = (max - min) / 255,
 * with min nudged so that 0 is exactly representable when the range holds it.
 */
export function quantizeUint8(values: Float32Array): { bytes: Uint8Array; scale: number; min: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) lo = hi = 0;
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const min = lo <= 0 && hi >= 0 ? -Math.round(-lo / scale) * scale : lo;
  const bytes = Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round((v - min) / scale))));
  return { bytes, scale, min };
}

/** Weight specs and data with every float32 weight quantized (others kept as they are). */
export function quantizeWeights(specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer, q: Quantization): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  if (q === 'none') return { specs: [...specs], data: new Uint8Array(data) };
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    if (spec.dtype !== 'float32' || spec.quantization) throw new Error(`quantizeWeights: ${spec.name} is ${spec.dtype}${spec.quantization ? ', already quantized' : ''}`);
    const values = new Float32Array(data.slice(offset, offset + bytes));
    offset += bytes;
    if (q === 'float16') {
      parts.push(new Uint8Array(Uint16Array.from(values, float16Bits).buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const { bytes: u8, scale, min } = quantizeUint8(values);
      parts.push(u8);
      out.push({ ...spec, quantization: { dtype: 'uint8', scale, min } });
    }
  }
  const joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return { specs: out, data: joined };
}
