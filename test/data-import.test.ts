import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, TestContext } from 'node:test';
import * as yazl from 'yazl';
import { UserError } from '../src/util/errors';
import { HERLEV_CLASSES } from '../src/data';
import { importHerlev } from '../src/data/import';
import { runCli } from './helpers/cli';
import { herlevFiles, herlevOrSkip, tempDir } from './fixtures/data';

/** A zip laid out like smear2005.zip (a top folder, then the class folders), two real cells per class, stored uncompressed. */
function buildZip(herlev: string, file: string, classes: readonly string[] = HERLEV_CLASSES): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const cls of classes) {
    for (const f of herlevFiles(herlev, cls, 2)) zip.addFile(f, `New database pictures/${cls}/${path.basename(f)}`, { compress: false });
  }
  zip.addBuffer(Buffer.from('readme'), 'New database pictures/README.txt');
  zip.end();
  return new Promise((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject);
  });
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

async function fixture(t: TestContext): Promise<{ herlev: string; dir: string; zip: string } | undefined> {
  const herlev = herlevOrSkip(t);
  if (!herlev) return undefined;
  const dir = tempDir(t);
  const zip = path.join(dir, 'smear2005.zip');
  await buildZip(herlev, zip);
  return { herlev, dir, zip };
}

test('importing a Herlev zip copies the class folders byte for byte and warns about counts off the official ones', async (t) => {
  const f = await fixture(t);
  if (!f) return;
  const out = path.join(f.dir, 'herlev');
  const summary = await importHerlev(f.zip, out);
  assert.deepEqual(fs.readdirSync(out).sort(), [...HERLEV_CLASSES].sort());
  for (const cls of HERLEV_CLASSES) {
    assert.equal(summary.images[cls], 2);
    for (const src of herlevFiles(f.herlev, cls, 2)) assert.deepEqual(fs.readFileSync(path.join(out, cls, path.basename(src))), fs.readFileSync(src));
  }
  assert.equal(summary.ignored, 1);
  assert.equal(summary.warnings.length, 7);
  assert.match(summary.warnings[0], /normal_superficiel: 2 images, the official set has 74/);
  await rejectsWith(importHerlev(f.zip, out), /--out .*herlev: the folder exists and is not empty/);
});

test('a truncated zip is refused and leaves no output behind', async (t) => {
  const f = await fixture(t);
  if (!f) return;
  const cut = path.join(f.dir, 'cut.zip');
  const bytes = fs.readFileSync(f.zip);
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const out = path.join(f.dir, 'out');
  await rejectsWith(importHerlev(cut, out), new RegExp(`${cut}: not a readable zip archive \\(truncated or damaged\\?\\)`));
  assert.deepEqual(fs.readdirSync(f.dir).sort(), ['cut.zip', 'smear2005.zip']);
});

test('a damaged entry is refused by name', async (t) => {
  const f = await fixture(t);
  if (!f) return;
  const bytes = Buffer.from(fs.readFileSync(f.zip));
  // Flip bytes inside the pixel data of one stored BMP (found by its header).
  const victim = path.basename(herlevFiles(f.herlev, 'light_dysplastic', 1)[0]);
  const at = bytes.indexOf(Buffer.from(`light_dysplastic/${victim}`)) + 200;
  for (let i = at; i < at + 16; i++) bytes[i] ^= 0xff;
  const damaged = path.join(f.dir, 'damaged.zip');
  fs.writeFileSync(damaged, bytes);
  const out = path.join(f.dir, 'out');
  await rejectsWith(importHerlev(damaged, out), new RegExp(`entry "New database pictures/light_dysplastic/${victim.replace('.', '\\.')}" is damaged: CRC-32`));
  assert.ok(!fs.existsSync(out));
});

test('an archive without all 7 class folders is refused, naming the missing ones', async (t) => {
  const herlev = herlevOrSkip(t);
  if (!herlev) return;
  const dir = tempDir(t);
  const zip = path.join(dir, 'six.zip');
  await buildZip(herlev, zip, HERLEV_CLASSES.filter((c) => c !== 'severe_dysplastic'));
  await rejectsWith(importHerlev(zip, path.join(dir, 'out')), /no images for the Herlev class folder\(s\) severe_dysplastic/);
  assert.ok(!fs.existsSync(path.join(dir, 'out')));
});

test('dresnet data import herlev takes a folder too and prints the per-class summary', async (t) => {
  const f = await fixture(t);
  if (!f) return;
  const first = path.join(f.dir, 'first');
  assert.equal(runCli(['data', 'import', 'herlev', f.zip, '--out', first]).code, 0);
  const res = runCli(['data', 'import', 'herlev', first, '--out', path.join(f.dir, 'second')]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^class +images +official +masks\nnormal_superficiel +2 +74 +0\n/);
  assert.match(res.stdout, /\ntotal +14 +917 +0\n/);
  assert.match(res.stdout, /warning: carcinoma_in_situ: 2 images, the official set has 150/);
  const bad = runCli(['data', 'import', 'herlev', path.join(f.dir, 'nope.zip'), '--out', path.join(f.dir, 'x')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^dresnet: error: .*nope\.zip: no such file or folder\n$/);
});
