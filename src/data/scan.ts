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

function readClassFolder(root: string, name: string, withMasks: boolean): ClassFolder {
  const dir = path.join(root, name);
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
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
    throw new UserError(`data: class folder ${dir} holds no images (expected ${IMAGE_EXTENSIONS.join('/')} files)`);
  }
  return { name, images, masks, ignored };
}

/** The class folders of a dataset folder, plus the count of loose files at its top level (notes, manifests: not in any class). */
function readFolderTree(root: string, withMasks: boolean): { folders: ClassFolder[]; looseFiles: number } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    throw new UserError(`data.path: cannot read dataset folder ${root}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (dirs.length === 0) throw new UserError(`data.path: ${root} has no class folders (expected one folder of images per class)`);
  const looseFiles = entries.filter((e) => e.isFile()).length;
  return { folders: dirs.map((d) => readClassFolder(root, d, withMasks)), looseFiles };
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
  const { folders, looseFiles } = readFolderTree(root, cfg.masks);
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
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const pathCol = header.indexOf('path');
  const labelCol = header.indexOf('label');
  if (pathCol < 0 || labelCol < 0) throw new UserError(`${file}: expected a header line with "path" and "label" columns, got "${lines[0] ?? ''}"`);
  const root = path.dirname(path.resolve(file));
  const rows = lines.slice(1).map((line, i) => {
    const fields = splitCsvLine(line);
    const [p, label] = [fields[pathCol], fields[labelCol]];
    if (!p || !label) throw new UserError(`${file}:${i + 2}: expected a path and a label, got "${line}"`);
    return { path: path.resolve(root, p), label };
  });
  if (rows.length === 0) throw new UserError(`${file}: the manifest lists no images`);
  const names = [...new Set(rows.map((r) => r.label))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const { classes, labelOf } = labelFolders(names, cfg.task, file);
  const images = rows.filter((r) => isImageFile(r.path));
  return {
    root,
    source: cfg.source,
    task: cfg.task,
    classes,
    samples: images.map((r) => ({ path: r.path, label: labelOf(r.label) })),
    ignoredFiles: rows.length - images.length,
    skipped: [],
  };
}
