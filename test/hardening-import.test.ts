import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as yazl from 'yazl';
import { HERLEV_CLASSES } from '../src/data';
import { importHerlev } from '../src/data/import';
import { UserError } from '../src/util/errors';
import { tempDir } from './fixtures/data';

/** Archive import (#16): streamed to disk, size caps per entry and in total, image contents checked, links refused. */

const BMP = (n = 60) => Buffer.concat([Buffer.from('BM'), Buffer.alloc(n)]);

type Entry = { name: string; data?: Buffer; stream?: () => Readable; size?: number; mode?: number };

function writeZip(file: string, entries: Entry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.stream) zip.addReadStream(e.stream(), e.name, { compress: true, size: e.size });
    else zip.addBuffer(e.data ?? BMP(), e.name, { compress: false, mode: e.mode });
  }
  zip.end();
  return new Promise((resolve, reject) => zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject));
}

/** One small fake BMP per Herlev class: a complete import. */
const allClasses = (): Entry[] => HERLEV_CLASSES.map((c) => ({ name: `top/${c}/${c}-1.bmp` }));

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a symbolic-link entry is refused, in a zip and in a source folder', async (t) => {
  const dir = tempDir(t);
  const zip = path.join(dir, 'links.zip');
  await writeZip(zip, [...allClasses(), { name: 'top/normal_columnar/link.bmp', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]);
  await rejectsWith(importHerlev(zip, path.join(dir, 'out')), /entry "top\/normal_columnar\/link\.bmp" is a symbolic link; links are refused/);
  assert.deepEqual(fs.readdirSync(dir), ['links.zip'], 'nothing left behind');
  const src = path.join(dir, 'src');
  for (const c of HERLEV_CLASSES) {
    fs.mkdirSync(path.join(src, c), { recursive: true });
    fs.writeFileSync(path.join(src, c, 'a.bmp'), BMP());
  }
  fs.symlinkSync('/etc/hostname', path.join(src, 'carcinoma_in_situ', 'b.bmp'));
  await rejectsWith(importHerlev(src, path.join(dir, 'out2')), /b\.bmp: symbolic links are refused in an import source/);
});

test('an entry over the per-entry cap, or an import over the total cap, is refused before it fills the disk', async (t) => {
  const dir = tempDir(t);
  const zip = path.join(dir, 'big.zip');
  await writeZip(zip, [...allClasses(), { name: 'top/normal_columnar/big.bmp', data: BMP(5000) }]);
  await rejectsWith(importHerlev(zip, path.join(dir, 'out'), () => {}, { maxEntryBytes: 4096, maxTotalBytes: 1e9 }), /"top\/normal_columnar\/big\.bmp" is larger than the 4096-byte cap \(raise it with --max-entry-mb\)/);
  await rejectsWith(importHerlev(zip, path.join(dir, 'out'), () => {}, { maxEntryBytes: 1e9, maxTotalBytes: 3000 }), /takes the import past its 3000-byte cap \(raise it with --max-total-mb\)/);
  assert.deepEqual(fs.readdirSync(dir), ['big.zip']);
  const ok = await importHerlev(zip, path.join(dir, 'out'));
  assert.equal(ok.images.normal_columnar, 2);
});

test('a file named as an image that is not one is refused by name', async (t) => {
  const dir = tempDir(t);
  const zip = path.join(dir, 'fake.zip');
  await writeZip(zip, [...allClasses(), { name: 'top/light_dysplastic/x.png', data: Buffer.from('#!/bin/sh\necho not a png\n') }]);
  await rejectsWith(importHerlev(zip, path.join(dir, 'out')), /"top\/light_dysplastic\/x\.png" is not a PNG image/);
});

test('a stale staging folder of a killed import is removed; a 256 MiB entry streams in flat memory', async (t) => {
  const dir = tempDir(t);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  fs.mkdirSync(path.join(dir, `out.tmp-${dead}`, 'normal_columnar'), { recursive: true });
  const zip = path.join(dir, 'huge.zip');
  const size = 256 * 2 ** 20;
  // Zeros compress to almost nothing: the archive is small, the entry is not.
  const zeros = () => {
    let sent = 0;
    return new Readable({
      read() {
        const n = Math.min(2 ** 20, size - sent);
        this.push(n === 0 ? null : sent === 0 ? Buffer.concat([Buffer.from('BM'), Buffer.alloc(n - 2)]) : Buffer.alloc(n));
        sent += n;
      },
    });
  };
  await writeZip(zip, [...allClasses(), { name: 'top/normal_columnar/huge.bmp', stream: zeros, size }]);
  // In a fresh process, so that the peak resident memory measured is the import's own.
  const script = `
    const { importHerlev } = require(${JSON.stringify(path.resolve(__dirname, '..', 'src', 'data', 'import.js'))});
    const before = process.memoryUsage().rss;
    importHerlev(${JSON.stringify(zip)}, ${JSON.stringify(path.join(dir, 'out'))}, () => {}, { maxEntryBytes: 2 ** 30, maxTotalBytes: 2 ** 31 })
      .then(() => process.stdout.write(JSON.stringify({ before, peak: process.resourceUsage().maxRSS * 1024 })));`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(res.status, 0, res.stderr);
  const { before, peak } = JSON.parse(res.stdout) as { before: number; peak: number };
  assert.equal(fs.statSync(path.join(dir, 'out', 'normal_columnar', 'huge.bmp')).size, size);
  assert.ok(peak - before < 96 * 2 ** 20, `peak RSS grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB for a 256 MiB entry`);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['huge.zip', 'out'], 'the stale staging folder is gone');
  t.diagnostic(`peak RSS ${((peak - before) / 2 ** 20).toFixed(0)} MiB above the start for a 256 MiB entry`);
});
