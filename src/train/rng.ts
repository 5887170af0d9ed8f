import { createRng } from '../data/rng';

/**
 * Runs `fn` with Math.random replaced by a generator seeded from `seedParts`.
 *
 * tfjs's weight initialisers draw their seeds from Math.random when none is
 * given (tfjs-core rand_util), and the zoo's builders give none; seeding
 * Math.random while a model is built makes every initial weight a pure
 * function of the seed on every backend, while keeping each layer's own
 * initialiser. (The data layer's randomness is already a pure function of
 * (seed, epoch, sample), so the trainer keeps no other RNG state.)
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
