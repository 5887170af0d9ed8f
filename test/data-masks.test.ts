import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { encode as encodeBmp } from 'fast-bmp';
import { dataSchema } from '../src/config/run-config';
import { imageAt, loadDataset } from '../src/data';
import { tempDir, writePng } from './fixtures/data';

/** A 24-bit BMP mask: a centred square of one colour (the cell) on another (the background). */
function writeMask(file: string, size: number, inner: number): void {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cell = Math.abs(x - (size - 1) / 2) < inner / 2 && Math.abs(y - (size - 1) / 2) < inner / 2;
      data.set(cell ? [0, 0, 255] : [255, 0, 0], (y * size + x) * 3);
    }
  }
  fs.writeFileSync(file, encodeBmp({ width: size, height: size, data, channels: 3, components: 3, bitsPerPixel: 24 }));
}

test('-d.bmp masks are left out of the images, and with data.masks blank the background', async (t) => {
  const root = tempDir(t);
  for (const cls of ['a', 'b']) {
    await writePng(path.join(root, cls, 'cell.png'), 16, 16, [200, 150, 100]);
    writeMask(path.join(root, cls, 'cell-d.bmp'), 16, 8);
  }
  const cfg = (masks: boolean) => dataSchema.parse({ source: 'folder', path: root, inputSize: 16, cache: false, masks }, 'data');
  const plain = await loadDataset(cfg(false), { seed: 1 });
  assert.equal(plain.samples.length, 2);
  assert.equal(plain.ignoredFiles, 0);
  assert.ok(plain.samples.every((s) => s.maskPath === undefined));

  const masked = await loadDataset(cfg(true), { seed: 1 });
  assert.equal(masked.samples[0].maskPath, path.join(root, 'a', 'cell-d.bmp'));
  const px = imageAt(masked.images, 0);
  const at = (x: number, y: number) => [...px.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3)];
  assert.deepEqual(at(0, 0), [0, 0, 0], 'background blanked');
  assert.deepEqual(at(8, 8).slice(0, 2), [200, 150], 'cell kept');
  assert.deepEqual(at(8, 8), [...imageAt(plain.images, 0).subarray((8 * 16 + 8) * 3, (8 * 16 + 8) * 3 + 3)]);

  const logs: string[] = [];
  const bare = tempDir(t);
  await writePng(path.join(bare, 'a', 'cell.png'), 8, 8, [1, 2, 3]);
  await loadDataset(dataSchema.parse({ source: 'folder', path: bare, inputSize: 16, cache: false, masks: true }, 'data'), { seed: 1, log: (l) => logs.push(l) });
  assert.deepEqual(logs.filter((l) => l.startsWith('data.masks')), [`data.masks: no -d.bmp masks beside the images in ${bare}; the images are used whole`]);

  writeMask(path.join(root, 'b', 'cell-d.bmp'), 12, 6);
  await assert.rejects(loadDataset(cfg(true), { seed: 1 }), /cell\.png: cannot read image: mask .*cell-d\.bmp is 12x12, the image 16x16/);
});
