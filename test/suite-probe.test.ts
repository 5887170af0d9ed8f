import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRunConfig } from '../src/config/load';
import { computeModelStats } from '../src/suite/ports';
import { measureInChild, median } from '../src/suite/probe';

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('the probe measures a model in a fresh process: memory grows from inference to a training step, latency is positive', async () => {
  const config = defaultRunConfig(['model.name=dresnet', 'model.width=0.25', 'train.batchSize=2', 'runtime.backend=cpu', 'runtime.threads=1']);
  // The parent holds 1.2 GB (like a suite runner that has trained), which Linux's maxRSS would carry into the child.
  const ballast = Buffer.alloc(1.2e9, 1);
  const result = await measureInChild({ model: config.model, numClasses: 4, inputSize: 32, train: config.train, runtime: config.runtime, timing: { warmup: 1, minRepeats: 2 } });
  const stats = await computeModelStats(config.model, 4, 32);
  for (const [key, value] of Object.entries(result)) assert.ok(Number.isFinite(value) && value > 0, `${key} = ${value}`);
  // Inference holds at least the weights; a training step adds gradients, optimiser slots and activations of a batch.
  assert.ok(result.peak_tensor_infer_mb >= stats.sizeMB * 0.99, `${result.peak_tensor_infer_mb} MB < weights ${stats.sizeMB} MB`);
  assert.ok(result.peak_tensor_train_mb > result.peak_tensor_infer_mb);
  assert.ok(result.peak_rss_train_mb >= result.peak_rss_infer_mb);
  // A fresh process: the parent's own memory does not count, so a small model's process stays far below the ballast.
  assert.ok(ballast[ballast.length - 1] === 1 && process.memoryUsage().rss > 1.2e9, 'the ballast is resident');
  assert.ok(result.peak_rss_infer_mb < 1000, `peak RSS at inference ${result.peak_rss_infer_mb} MB includes the parent's`);
});
