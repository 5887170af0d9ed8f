import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { dataSchema } from '../src/config/run-config';
import { benchDataPipeline } from '../src/data/bench';
import { tempDir } from './fixtures/data';

test('the data benchmark reports img/s per worker count and the wait of a consumer at a given rate', async (t) => {
  const data = dataSchema.parse({ source: 'synthetic', synthetic: { classes: 2, perClass: 20, imageSize: 32 } }, 'data');
  const result = await benchDataPipeline({ size: 24, images: 64, workers: [0, 1], consumerImagesPerSecond: 2000, data, cacheDir: path.join(tempDir(t), 'cache') });
  assert.match(result.dataset, /^synthetic /);
  assert.deepEqual(result.runs.map((r) => r.workers), [0, 1]);
  for (const run of result.runs) {
    assert.ok(run.images >= 64 && run.imagesPerSecond > 0 && Number.isFinite(run.imagesPerSecond));
    assert.ok(run.starvedFraction !== undefined && run.starvedFraction >= 0 && run.starvedFraction < 1);
  }
  assert.match(result.lines[1], /^data pipeline 24x24 augmented, 1 worker\(s\): \d+ img\/s \(\d+ images in [\d.]+ s\); [\d.]+x a trainer's 2000\.0 img\/s, which waits for data [\d.]+% of the time$/);
  assert.equal(result.augment.rotate, 15);
});
