import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import { UserError } from '../util/errors';
import { removeStaleTemps } from '../util/files';
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

/** Size caps of an import: an entry that would inflate past them (a zip bomb, a stray video) is refused. */
export interface ImportLimits {
  /** Largest file, in bytes (Herlev's BMPs are under 1 MB). */
  maxEntryBytes: number;
  /** All files together, in bytes (Herlev is about 250 MB with its masks). */
  maxTotalBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxEntryBytes: 64 * 2 ** 20, maxTotalBytes: 4 * 2 ** 30 };

/** One file of the source (a zip entry or a file under a folder), streamed on demand. */
interface SourceFile {
  /** Path inside the source, with "/" separators. */
  name: string;
  /** The size the source declares (the zip's uncompressed size), checked against the caps before reading. */
  declaredSize: number;
  open(): Promise<Readable>;
  /** The zip entry's CRC-32, checked once the data has streamed through (yauzl checks sizes, not checksums). */
  crc32?: number;
}

/** The Herlev class a file belongs to: the class folder it sits in directly (any depth: the zip has a top folder, some copies split train/validation). */
function classOfEntry(name: string): HerlevClass | undefined {
  const parts = name.split('/');
  return parts.length >= 2 ? herlevClassOf(parts[parts.length - 2]) : undefined;
}

/** The files below a source folder; a symbolic link is refused (it could lead outside the folder, or loop). */
function listFolder(root: string): SourceFile[] {
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => {
      if (e.isSymbolicLink()) throw new UserError(`${path.join(e.parentPath, e.name)}: symbolic links are refused in an import source (copy the file itself)`);
      return e.isFile();
    })
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return {
        name: path.relative(root, full).split(path.sep).join('/'),
        declaredSize: fs.statSync(full).size,
        open: async () => fs.createReadStream(full),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A zip entry's Unix file type (from the upper half of its external attributes), e.g. 0o120000 for a symbolic link. */
function unixFileType(entry: yauzl.Entry): number {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) >>> 0;
}

const S_IFLNK = 0o120000;

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, archive: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(new UserError(`${archive}: entry "${entry.fileName}" is damaged: ${err.message}`)) : resolve(stream)));
  });
}

/** Walks a zip entry by entry (yauzl, lazily), handing each file to visit before reading the next; link entries are refused. */
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
        if (unixFileType(entry) === S_IFLNK) return fail(new UserError(`${archive}: entry "${entry.fileName}" is a symbolic link; links are refused`));
        const file: SourceFile = { name: entry.fileName, declaredSize: entry.uncompressedSize, crc32: entry.crc32, open: () => openEntry(zip, entry, archive) };
        visit(file).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  });
}

/** The first bytes of each image format the importer takes; a file named .bmp that is not one is refused. */
const MAGIC: Record<string, (head: Buffer) => boolean> = {
  '.bmp': (h) => h.subarray(0, 2).toString('latin1') === 'BM',
  '.png': (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  '.jpg': (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  '.tif': (h) => ['II*\0', 'MM\0*'].includes(h.subarray(0, 4).toString('latin1')),
  '.webp': (h) => h.subarray(0, 4).toString('latin1') === 'RIFF' && h.subarray(8, 12).toString('latin1') === 'WEBP',
};
MAGIC['.jpeg'] = MAGIC['.jpg'];
MAGIC['.tiff'] = MAGIC['.tif'];

/** Counts the bytes of all files copied so far, against the total cap. */
interface ByteBudget {
  limits: ImportLimits;
  total: number;
}

const MIB = 2 ** 20;

function tooLarge(source: string, name: string, what: string, limit: number, flag: string): UserError {
  const cap = limit >= MIB ? `${(limit / MIB).toFixed(0)} MiB` : `${limit}-byte`;
  return new UserError(`${source}: "${name}" ${what} ${cap} cap (raise it with ${flag})`);
}

/**
 * Streams one file to `target` (memory stays flat whatever its size),
 * refusing it past the per-file or total cap, when its first bytes are not
 * the image format its name says, or when its CRC-32 does not match the zip's.
 */
async function copyChecked(source: string, file: SourceFile, target: string, budget: ByteBudget): Promise<void> {
  const { maxEntryBytes, maxTotalBytes } = budget.limits;
  const entryCap = () => tooLarge(source, file.name, 'is larger than the', maxEntryBytes, '--max-entry-mb');
  const totalCap = () => tooLarge(source, file.name, 'takes the import past its', maxTotalBytes, '--max-total-mb');
  if (file.declaredSize > maxEntryBytes) throw entryCap();
  if (budget.total + file.declaredSize > maxTotalBytes) throw totalCap();
  const ext = path.extname(file.name).toLowerCase();
  let size = 0;
  let crc = 0;
  let head = Buffer.alloc(0);
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxEntryBytes) return done(entryCap());
      if (budget.total + size > maxTotalBytes) return done(totalCap());
      if (head.length < 12) head = Buffer.concat([head, chunk.subarray(0, 12)]);
      crc = zlib.crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      if (MAGIC[ext] && !MAGIC[ext](head)) return done(new UserError(`${source}: "${file.name}" is not a ${ext.slice(1).toUpperCase()} image (its first bytes say otherwise)`));
      if (file.crc32 !== undefined && crc >>> 0 !== file.crc32 >>> 0) {
        return done(new UserError(`${source}: entry "${file.name}" is damaged: CRC-32 ${(crc >>> 0).toString(16)} does not match ${(file.crc32 >>> 0).toString(16)}`));
      }
      done();
    },
  });
  try {
    await pipeline(await file.open(), check, fs.createWriteStream(target, { flags: 'wx' }));
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${source}: "${file.name}" has the same name as another image of its class`);
    if (code && code.startsWith('E')) throw err;
    throw new UserError(`${source}: entry "${file.name}" is damaged: ${(err as Error).message}`);
  }
  budget.total += size;
}

function emptyCounts(): Record<HerlevClass, number> {
  return Object.fromEntries(HERLEV_CLASSES.map((c) => [c, 0])) as Record<HerlevClass, number>;
}

/** The staging folder beside `out` (stale ones of a killed import removed first). */
function prepareOut(out: string): string {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UserError(`--out ${out}: is a file, not a folder`);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new UserError(`--out ${out}: the folder exists and is not empty`);
  const clean = out.replace(/[\\/]+$/, '');
  fs.mkdirSync(path.dirname(clean), { recursive: true });
  removeStaleTemps(path.dirname(clean), path.basename(clean));
  const staging = `${clean}.tmp-${process.pid}`;
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
export async function importHerlev(source: string, out: string, log: Log = () => {}, limits: ImportLimits = DEFAULT_IMPORT_LIMITS): Promise<HerlevImportSummary> {
  if (!fs.existsSync(source)) throw new UserError(`${source}: no such file or folder`);
  const isFolder = fs.statSync(source).isDirectory();
  const staging = prepareOut(out);
  const summary: HerlevImportSummary = { out, images: emptyCounts(), masks: emptyCounts(), ignored: 0, warnings: [] };
  const budget: ByteBudget = { limits, total: 0 };
  const visit = async (file: SourceFile) => {
    const cls = classOfEntry(file.name);
    const base = path.posix.basename(file.name);
    if (!cls || !isImageFile(base)) {
      summary.ignored++;
      return;
    }
    const target = path.join(staging, cls, base);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await copyChecked(source, file, target, budget);
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
