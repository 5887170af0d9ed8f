import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import { UserError } from '../util/errors';
import { HERLEV_CLASSES, HERLEV_COUNTS, HerlevClass, herlevClassOf } from './herlev';
import { isImageFile, isMaskFile } from './scan';
import type { Log } from './types';

export interface HerlevImportSummary {
  out: string;
  images: Record<HerlevClass, number>;
  masks: Record<HerlevClass, number>;
  /** Files outside the class folders or not images: not copied. */
  ignored: number;
  /** Per-class counts that differ from the official ones. */
  warnings: string[];
}

/** One file of the source (a zip entry or a file under a folder), read on demand. */
interface SourceFile {
  /** Path inside the source, with "/" separators. */
  name: string;
  read(): Promise<Buffer>;
}

/** The Herlev class a file belongs to: the class folder it sits in directly (any depth: the zip has a top folder, some copies split train/validation). */
function classOfEntry(name: string): HerlevClass | undefined {
  const parts = name.split('/');
  return parts.length >= 2 ? herlevClassOf(parts[parts.length - 2]) : undefined;
}

function listFolder(root: string): SourceFile[] {
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return { name: path.relative(root, full).split(path.sep).join('/'), read: () => fs.promises.readFile(full) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, archive: string): Promise<Buffer> {
  const damaged = (why: string) => new UserError(`${archive}: entry "${entry.fileName}" is damaged: ${why}`);
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(damaged(err.message));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e: Error) => reject(damaged(e.message)));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        // yauzl checks sizes but not checksums; a flipped byte in a stored entry shows only here.
        const crc = zlib.crc32(data) >>> 0;
        if (crc !== entry.crc32 >>> 0) return reject(damaged(`CRC-32 ${crc.toString(16)} does not match ${entry.crc32.toString(16)}`));
        resolve(data);
      });
    });
  });
}

/** Walks a zip entry by entry (yauzl, lazily), handing each file to visit before reading the next. */
function walkZip(archive: string, visit: (file: SourceFile) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => {
      if (err) return reject(new UserError(`${archive}: not a readable zip archive (truncated or damaged?): ${err.message}`));
      const fail = (e: Error) => {
        zip.close();
        reject(e instanceof UserError ? e : new UserError(`${archive}: damaged zip archive: ${e.message}`));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        visit({ name: entry.fileName, read: () => readEntry(zip, entry, archive) }).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  });
}

function emptyCounts(): Record<HerlevClass, number> {
  return Object.fromEntries(HERLEV_CLASSES.map((c) => [c, 0])) as Record<HerlevClass, number>;
}

function prepareOut(out: string): string {
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new UserError(`--out ${out}: the folder exists and is not empty`);
  const staging = `${out.replace(/[\\/]+$/, '')}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  return staging;
}

/**
 * Imports Herlev (the official smear2005.zip, or a folder holding the class
 * folders at any depth) into out/<class>/: images and any -d.bmp masks.
 * The copy is staged beside out and renamed into place only when complete,
 * so a damaged archive leaves nothing behind. All 7 classes must be there;
 * counts that differ from the official ones are reported as warnings.
 */
export async function importHerlev(source: string, out: string, log: Log = () => {}): Promise<HerlevImportSummary> {
  if (!fs.existsSync(source)) throw new UserError(`${source}: no such file or folder`);
  const isFolder = fs.statSync(source).isDirectory();
  const staging = prepareOut(out);
  const summary: HerlevImportSummary = { out, images: emptyCounts(), masks: emptyCounts(), ignored: 0, warnings: [] };
  const visit = async (file: SourceFile) => {
    const cls = classOfEntry(file.name);
    const base = path.posix.basename(file.name);
    if (!cls || !isImageFile(base)) {
      summary.ignored++;
      return;
    }
    const target = path.join(staging, cls, base);
    if (fs.existsSync(target)) throw new UserError(`${source}: "${file.name}" has the same name as another ${cls} image`);
    const data = await file.read();
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    summary[isMaskFile(base) ? 'masks' : 'images'][cls]++;
  };
  try {
    if (isFolder) {
      for (const file of listFolder(source)) await visit(file);
    } else {
      await walkZip(source, visit);
    }
    const missing = HERLEV_CLASSES.filter((c) => summary.images[c] === 0);
    if (missing.length > 0) throw new UserError(`${source}: no images for the Herlev class folder(s) ${missing.join(', ')}`);
    for (const c of HERLEV_CLASSES) {
      if (summary.images[c] !== HERLEV_COUNTS[c]) summary.warnings.push(`${c}: ${summary.images[c]} images, the official set has ${HERLEV_COUNTS[c]}`);
    }
    if (fs.existsSync(out)) fs.rmdirSync(out);
    fs.renameSync(staging, out);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  log(`imported Herlev into ${out}`);
  return summary;
}

/** The per-class table the import prints. */
export function formatImportSummary(s: HerlevImportSummary): string[] {
  const w = Math.max(...HERLEV_CLASSES.map((c) => c.length));
  const total = HERLEV_CLASSES.reduce((n, c) => n + s.images[c], 0);
  const totalMasks = HERLEV_CLASSES.reduce((n, c) => n + s.masks[c], 0);
  return [
    `${'class'.padEnd(w)}  images  official  masks`,
    ...HERLEV_CLASSES.map((c) => `${c.padEnd(w)}  ${String(s.images[c]).padStart(6)}  ${String(HERLEV_COUNTS[c]).padStart(8)}  ${String(s.masks[c]).padStart(5)}`),
    `${'total'.padEnd(w)}  ${String(total).padStart(6)}  ${String(917).padStart(8)}  ${String(totalMasks).padStart(5)}`,
    ...(s.ignored > 0 ? [`ignored ${s.ignored} file(s) outside the class folders or not images`] : []),
    ...s.warnings.map((w2) => `warning: ${w2}`),
  ];
}
