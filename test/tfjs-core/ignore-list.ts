/**
 * tfjs-core specs skipped on the torch backend, matched as substrings of the
 * spec's full name (as tfjs-node's run_tests.ts does). Every entry says why;
 * a shorter list is progress.
 */
export const IGNORE_LIST: ReadonlyArray<{ match: string; reason: string }> = [
];
