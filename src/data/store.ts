// Kept free of decoder imports: batch worker threads load this, and each
// worker would otherwise pay for loading sharp.

/**
 * Every image of a dataset decoded and resized to size x size RGB, one after
 * another (NHWC uint8). The bytes live in a SharedArrayBuffer so batch worker
 * threads read them without a copy.
 */
export interface ImageStore {
  size: number;
  count: number;
  pixels: Uint8Array;
}

/** One image's bytes (size*size*3, HWC) inside the store, without a copy. */
export function imageAt(store: ImageStore, index: number): Uint8Array {
  const stride = store.size * store.size * 3;
  return store.pixels.subarray(index * stride, (index + 1) * stride);
}
