import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder holding dresnet's package.json, found from the compiled file's location (works from any outDir). */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'dresnet') return dir;
    if (path.dirname(dir) === dir) throw new Error(`package.json of dresnet not found above ${__dirname}`);
  }
}

/**
 * Writes a file so that readers see either the old or the new content, never
 * a half-written one: write a temp file in the same folder, fsync, rename.
 */
export function atomicWriteFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
