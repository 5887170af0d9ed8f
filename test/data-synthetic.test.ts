import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { classCounts, scanDataset } from '../src/data';
import { dataSchema } from '../src/config/run-config';
import { createRng } from '../src/util/rng';
import { drawCell } from '../src/data/synthetic';
import { runCli } from './helpers/cli';
import { tempDir } from './fixtures/data';

/** Share of pixels dark enough to be nucleus. */
function darkFraction(px: Uint8Array): number {
  let dark = 0;
  for (let i = 0; i < px.length; i += 3) if (px[i] + px[i + 1] + px[i + 2] < 300) dark++;
  return dark / (px.length / 3);
}

test('synthetic cells are a pure function of the seed, and differ between seeds and cells', () => {
  const a = drawCell(2, 4, 32, createRng(9, 2, 0));
  assert.deepEqual(drawCell(2, 4, 32, createRng(9, 2, 0)), a);
  assert.notDeepEqual(drawCell(2, 4, 32, createRng(10, 2, 0)), a);
  assert.notDeepEqual(drawCell(2, 4, 32, createRng(9, 2, 1)), a);
  assert.equal(a.length, 32 * 32 * 3);
});

test('higher grades have a larger, darker nucleus, with no overlap between the extreme grades', () => {
  const fractions = [0, 1, 2, 3].map((g) => Array.from({ length: 30 }, (_, i) => darkFraction(drawCell(g, 4, 48, createRng(1, g, i)))));
  const means = fractions.map((f) => f.reduce((s, v) => s + v, 0) / f.length);
  for (let g = 1; g < 4; g++) assert.ok(means[g] > means[g - 1] * 1.3, `grade means ${means.map((m) => m.toFixed(3))}`);
  assert.ok(Math.max(...fractions[0]) < Math.min(...fractions[3]));
});

test('dresnet data synth writes one PNG folder per class; the synthetic source reuses a complete set', async (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, 'cells');
  const res = runCli(['data', 'synth', '--out', out, '--n', '3', '--classes', '3', '--size', '24', '--seed', '7']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['grade0', 'grade1', 'grade2', 'synthetic.json']);
  const cfg = dataSchema.parse({ source: 'synthetic', path: out, synthetic: { classes: 3, perClass: 3, imageSize: 24 } }, 'data');
  const before = fs.statSync(path.join(out, 'grade0', 'grade0_00000.png')).mtimeMs;
  const ds = await scanDataset(cfg, { seed: 7 });
  assert.deepEqual(ds.classes, ['grade0', 'grade1', 'grade2']);
  assert.deepEqual(classCounts(ds), [3, 3, 3]);
  assert.equal(fs.statSync(path.join(out, 'grade0', 'grade0_00000.png')).mtimeMs, before, 'not redrawn');
  const again = runCli(['data', 'synth', '--out', out, '--n', '4', '--classes', '3', '--size', '24', '--seed', '7']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /is not empty and holds no synthetic set made with/);
  const bad = runCli(['data', 'synth', '--out', path.join(dir, 'x'), '--classes', '9']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--classes expects 2\.\.7, got 9/);
});
