import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { HERLEV2_CLASSES, HERLEV_CLASSES, HerlevClass, herlevClassOf, isNormalHerlevClass } from './herlev';
import type { Dataset, Sample } from './types';

export const IMAGE_EXTENSIONS = ['.bmp', '.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];

/** Herlev's segmentation masks sit beside the images as <name>-d.bmp. */
const MASK_SUFFIX = /-d\.bmp$/i;

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

export function isMaskFile(name: string): boolean {
  return MASK_SUFFIX.test(name);
}

/** The mask file of an image, if one is there: "x.BMP" -> "x-d.bmp" (any case). */
export function maskFor(imageName: string, namesInFolder: Set<string>): string | undefined {
  const stem = imageName.slice(0, imageName.length - path.extname(imageName).length);
  return [`${stem}-d.bmp`, `${stem}-d.BMP`, `${stem}-D.BMP`].find((m) => namesInFolder.has(m));
}

interface ClassFolder {
  name: string;
  images: string[];
  masks: Map<string, string>;
  ignored: number;
}

/**
 * What a folder scan met besides plain files, so that nothing is dropped
 * silently: symbolic links are followed (a link to a file is that file, a
 * link to a folder that folder) and counted; images in sub-folders of a class
 * folder are not read (a class is its folder's own files) but counted and
 * reported; links that lead nowhere are counted.
 */
interface ScanTally {
  followedLinks: number;
  brokenLinks: string[];
  nested: { folder: string; images: number }[];
}

type EntryKind = 'file' | 'dir' | 'other' | 'broken';

/** A folder entry's kind with a symbolic link followed; 'broken' for a link whose target is missing. */
function entryKind(dir: string, entry: fs.Dirent, tally: ScanTally): EntryKind {
  if (!entry.isSymbolicLink()) return entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : 'other';
  let st: fs.Stats;
  try {
    st = fs.statSync(path.join(dir, entry.name));
  } catch {
    tally.brokenLinks.push(path.join(dir, entry.name));
    return 'broken';
  }
  tally.followedLinks++;
  return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
}

/** Image files anywhere below `dir` (links not followed, so that a link loop cannot trap the count). */
function countImagesBelow(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countImagesBelow(path.join(dir, e.name));
    else if (e.isFile() && isImageFile(e.name) && !isMaskFile(e.name)) n++;
  }
  return n;
}

/** The names of a class folder's files (links followed); its sub-folders' images are tallied, not read. */
function classFolderFiles(dir: string, tally: ScanTally): string[] {
  const files: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const kind = entryKind(dir, e, tally);
    if (kind === 'file') files.push(e.name);
    if (kind !== 'dir') continue;
    const images = countImagesBelow(path.join(dir, e.name));
    if (images > 0) tally.nested.push({ folder: path.join(dir, e.name), images });
  }
  return files.sort();
}

function readClassFolder(root: string, name: string, withMasks: boolean, tally: ScanTally): ClassFolder {
  const dir = path.join(root, name);
  const entries = classFolderFiles(dir, tally);
  const names = new Set(entries);
  const images: string[] = [];
  const masks = new Map<string, string>();
  let ignored = 0;
  for (const entry of entries) {
    if (isMaskFile(entry)) continue;
    if (!isImageFile(entry)) {
      ignored++;
      continue;
    }
    images.push(path.join(dir, entry));
    const mask = withMasks ? maskFor(entry, names) : undefined;
    if (mask) masks.set(path.join(dir, entry), path.join(dir, mask));
  }
  if (images.length === 0) {
    const nested = tally.nested.filter((n) => path.dirname(n.folder) === dir).reduce((a, n) => a + n.images, 0);
    throw new UserError(
      `data: class folder ${dir} holds no images (expected ${IMAGE_EXTENSIONS.join('/')} files directly in it)` +
        (nested > 0 ? `; its sub-folders hold ${nested}, which are not read: move them up into ${dir}` : ''),
    );
  }
  return { name, images, masks, ignored };
}

/** The class folders of a dataset folder, plus the count of loose files at its top level (notes, manifests: not in any class). */
function readFolderTree(root: string, withMasks: boolean, tally: ScanTally): { folders: ClassFolder[]; looseFiles: number } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    throw new UserError(`data.path: cannot read dataset folder ${root}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const kinds = entries.filter((e) => !e.name.startsWith('.')).map((e) => ({ name: e.name, kind: entryKind(root, e, tally) }));
  const dirs = kinds.filter((e) => e.kind === 'dir').map((e) => e.name).sort();
  if (dirs.length === 0) throw new UserError(`data.path: ${root} has no class folders (expected one folder of images per class)`);
  const looseFiles = kinds.filter((e) => e.kind === 'file').length;
  return { folders: dirs.map((d) => readClassFolder(root, d, withMasks, tally)), looseFiles };
}

/** The scan's report lines (see ScanTally). */
function tallyFindings(tally: ScanTally): string[] {
  const nestedImages = tally.nested.reduce((a, n) => a + n.images, 0);
  return [
    ...(tally.followedLinks > 0 ? [`followed ${tally.followedLinks} symbolic link(s) (read as the files or folders they point to)`] : []),
    ...(tally.brokenLinks.length > 0 ? [`ignored ${tally.brokenLinks.length} broken symbolic link(s), e.g. ${tally.brokenLinks[0]}`] : []),
    ...(nestedImages > 0
      ? [`not read: ${nestedImages} image(s) in ${tally.nested.length} sub-folder(s) of class folders (a class is its folder's own files), e.g. ${tally.nested[0].folder}`]
      : []),
  ];
}

/** Maps class names (folders, or a CSV's labels) to labels according to the task; errors name missing or unknown classes. */
function labelFolders(folderNames: string[], task: DataConfig['task'], root: string): { classes: string[]; labelOf: (folder: string) => number } {
  if (task === 'classes') {
    return { classes: folderNames, labelOf: (f) => folderNames.indexOf(f) };
  }
  const herlevOf = new Map<string, HerlevClass>();
  for (const f of folderNames) {
    const c = herlevClassOf(f);
    if (!c) throw new UserError(`data.task: ${task} needs the 7 Herlev classes, but class "${f}" (in ${root}) is not one of ${HERLEV_CLASSES.join(', ')}`);
    herlevOf.set(f, c);
  }
  const missing = HERLEV_CLASSES.filter((c) => ![...herlevOf.values()].includes(c));
  if (missing.length > 0) {
    throw new UserError(`data.task: ${task} needs the 7 Herlev classes, but ${root} lacks ${missing.join(', ')} (found ${folderNames.length} class folders)`);
  }
  if (task === 'herlev7') {
    return { classes: [...HERLEV_CLASSES], labelOf: (f) => HERLEV_CLASSES.indexOf(herlevOf.get(f)!) };
  }
  return { classes: [...HERLEV2_CLASSES], labelOf: (f) => (isNormalHerlevClass(herlevOf.get(f)!) ? 0 : 1) };
}

/** A dataset laid out as one folder per class (Herlev, a synthetic set, or any image folder). */
export function scanFolderDataset(root: string, cfg: Pick<DataConfig, 'source' | 'task' | 'masks'>): Dataset {
  const tally: ScanTally = { followedLinks: 0, brokenLinks: [], nested: [] };
  const { folders, looseFiles } = readFolderTree(root, cfg.masks, tally);
  const { classes, labelOf } = labelFolders(folders.map((f) => f.name), cfg.task, root);
  const samples: Sample[] = [];
  for (const folder of folders) {
    const label = labelOf(folder.name);
    for (const image of folder.images) {
      const maskPath = folder.masks.get(image);
      samples.push(maskPath ? { path: image, label, maskPath } : { path: image, label });
    }
  }
  return {
    root,
    source: cfg.source,
    task: cfg.task,
    classes,
    samples,
    ignoredFiles: looseFiles + folders.reduce((n, f) => n + f.ignored, 0),
    skipped: [],
    findings: tallyFindings(tally),
  };
}

/** Splits one CSV line; fields may be double-quoted (with "" for a quote). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

interface CsvRow {
  path: string;
  label: string;
  /** The manifest's group column, where it has one. */
  group?: string;
}

/** The manifest's rows after the header; a path listed twice is an error (it would land in training and validation folds). */
function readCsvRows(file: string, lines: { text: string; number: number }[], pathCol: number, labelCol: number, groupCol: number): CsvRow[] {
  const root = path.dirname(path.resolve(file));
  const firstLine = new Map<string, number>();
  return lines.map(({ text, number }) => {
    const fields = splitCsvLine(text);
    const [p, label] = [fields[pathCol], fields[labelCol]];
    if (!p || !label) throw new UserError(`${file}:${number}: expected a path and a label, got "${text}"`);
    const resolved = path.resolve(root, p);
    const earlier = firstLine.get(resolved);
    if (earlier !== undefined) throw new UserError(`${file}:${number}: ${p} is listed again (first on line ${earlier}); each image may appear once`);
    firstLine.set(resolved, number);
    const group = groupCol < 0 ? undefined : fields[groupCol];
    return { path: resolved, label, ...(group ? { group } : {}) };
  });
}

/** Labels on one row only are likely typos: report them. */
function lonelyLabelFindings(rows: readonly CsvRow[]): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  const lonely = [...counts].filter(([, n]) => n === 1).map(([label]) => `"${label}"`);
  return lonely.length > 0 ? [`label(s) ${lonely.join(', ')} appear on one row only (misspelt?)`] : [];
}

/**
 * A CSV manifest with a `path,label` header (more columns are ignored); paths
 * are relative to the CSV's folder. Labels are class names; with a Herlev task
 * they must be Herlev class names.
 */
export function scanCsvDataset(file: string, cfg: Pick<DataConfig, 'source' | 'task'>): Dataset {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`data.path: cannot read CSV manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const lines = text.split(/\r?\n/).map((t, i) => ({ text: t, number: i + 1 })).filter((l) => l.text.trim() !== '');
  const header = splitCsvLine(lines[0]?.text ?? '').map((h) => h.toLowerCase());
  const pathCol = header.indexOf('path');
  const labelCol = header.indexOf('label');
  if (pathCol < 0 || labelCol < 0) throw new UserError(`${file}: expected a header line with "path" and "label" columns, got "${lines[0]?.text ?? ''}"`);
  const rows = readCsvRows(file, lines.slice(1), pathCol, labelCol, header.indexOf('group'));
  if (rows.length === 0) throw new UserError(`${file}: the manifest lists no images`);
  const names = [...new Set(rows.map((r) => r.label))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const { classes, labelOf } = labelFolders(names, cfg.task, file);
  const images = rows.filter((r) => isImageFile(r.path));
  return {
    root: path.dirname(path.resolve(file)),
    source: cfg.source,
    task: cfg.task,
    classes,
    samples: images.map((r) => ({ path: r.path, label: labelOf(r.label), ...(r.group ? { group: r.group } : {}) })),
    ignoredFiles: rows.length - images.length,
    skipped: [],
    findings: lonelyLabelFindings(images),
  };
}
