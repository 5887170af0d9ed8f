import * as fs from 'node:fs';
import { atomicWriteFile } from './files';

/** JSON with NaN/Infinity written as null (JSON has no such numbers), atomically. */
export function writeJson(file: string, value: unknown): void {
  atomicWriteFile(file, `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
