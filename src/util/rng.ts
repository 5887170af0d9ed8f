/**
 * Seeded randomness, the project's one generator. Every random choice of the
 * data layer (synthetic cells, splits, shuffling, augmentation) and every
 * initial weight derives from the run seed through these, so a run is
 * reproducible and a resumed run sees the same data order.
 */

/** Mixes a list of integers into one 32-bit hash (splitmix-style finaliser per step). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export type Rng = () => number;

/** mulberry32: a small, fast PRNG with uniform floats in [0, 1). Substreams come from hashInts(seed, ...). */
export function createRng(...seedParts: number[]): Rng {
  let state = hashInts(...seedParts);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Fisher-Yates, in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Runs `fn` with Math.random replaced by a generator seeded from `seedParts`.
 *
 * tfjs's weight initialisers draw their seeds from Math.random when none is
 * given (tfjs-core rand_util), and the zoo's builders give none; seeding
 * Math.random while a model is built makes every initial weight a pure
 * function of the seed on every backend, while keeping each layer's own
 * initialiser. The trainer also runs each training step under it, seeded
 * from (seed, fold, step): tfjs's dropout draws its masks' seeds from
 * Math.random too (see trainStep). (The data layer's randomness is already a
 * pure function of (seed, epoch, sample), so the trainer keeps no other RNG
 * state.)
 */
export function withSeededMathRandom<T>(seedParts: readonly number[], fn: () => T): T {
  const original = Math.random;
  Math.random = createRng(...seedParts);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
