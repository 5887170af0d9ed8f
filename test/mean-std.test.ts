import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { meanStd } from '../src/stats/mean-std';

// The two tests of the two meanStd functions that src/stats/mean-std.ts replaced (test/metrics.test.ts, test/tables.test.ts), assertions as they were.
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('mean and sample std', () => {
  const { mean, std } = meanStd([1, 2, 3, 4])!;
  close(mean, 2.5);
  close(std, Math.sqrt(5 / 3));
  assert.equal(meanStd([7])!.std, 0);
});

test('meanStd uses the sample standard deviation and skips missing values', () => {
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(meanStd([5, NaN]), { mean: 5, std: 0, n: 1 });
  assert.equal(meanStd([]), undefined);
});

test('meanStd skips ±Infinity like NaN: a value that is not a finite measurement is missing', () => {
  assert.deepEqual(meanStd([2, Infinity, 4, -Infinity]), { mean: 3, std: Math.SQRT2, n: 2 });
});
