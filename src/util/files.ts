import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

/** The folder holding dresnet's package.json, found from the compiled file's location (works from any outDir). */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'dresnet') return dir;
    if (path.dirname(dir) === dir) throw new Error(`package.json of dresnet not found above ${__dirname}`);
  }
}

/** The temp file atomicWriteFile writes `file` through: hidden, named by the writing process. */
function tempFileFor(file: string, pid = process.pid): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${pid}.tmp`);
}

/** A temp file or folder this tool leaves while writing: `.<name>.<pid>.tmp` (atomicWriteFile), or `<name>.tmp-<pid>` (checkpoint folders, imports). */
const TEMP_NAME = /^(?:\.(.+)\.(\d+)\.tmp|(.+)\.tmp-(\d+))$/;

/**
 * Writes a file so that readers see either the old or the new content, never
 * a half-written one: write a temp file in the same folder, fsync, rename.
 * On failure (a full disk, say) the temp file is removed before the error goes on.
 */
export function atomicWriteFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempFileFor(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    // A failed write(2) on a descriptor (a full disk) carries no path: name the file for the error line.
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e === 'object' && e.code && !e.path) e.path = file;
    throw err;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files and folders that a killed process left in `dir`
 * (its pid no longer runs); a live process's are left alone. With `of`, only
 * the temps of that one name (in a folder the tool does not own). Returns
 * what was removed.
 */
export function removeStaleTemps(dir: string, of?: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (of !== undefined && (m[1] ?? m[3]) !== of)) continue;
    const pid = Number(m[2] ?? m[4]);
    if (pid === process.pid || processAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}

/**
 * Takes `dir` for this process through `<dir>/.lock` (holding the pid): two
 * processes writing the same folder would overwrite each other's files. A
 * lock left by a killed process (its pid is gone) is taken over. `what`
 * describes the folder and `who` the other process for the error. Returns
 * the release function.
 */
export function lockFolder(dir: string, what: string, who = 'dresnet process'): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '.lock');
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new UserError(`${file}: another ${who} (pid ${holder}) is writing ${what}`);
      }
      fs.rmSync(file, { force: true });
    }
  }
}

/** Error codes of the file system that the user's machine or input causes, with what they mean. */
const FS_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
};

/** A file-system error the user can fix (full disk, permissions, a file where a folder should be) as a UserError naming the path. */
export function fsUserError(err: unknown): UserError | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const meaning = e && typeof e.code === 'string' ? FS_ERRORS[e.code] : undefined;
  if (!meaning) return undefined;
  const where = e.path ? `${e.path}${e.dest ? ` -> ${e.dest}` : ''}` : 'file system';
  return new UserError(`${where}: ${meaning} (${e.code}${e.syscall ? `, ${e.syscall}` : ''})`);
}
