import { main } from '../../src/cli/index';
import type { CliResult } from './cli';

/**
 * Runs the CLI's main() in this process with stdout and stderr captured: the
 * same parsing, commands and error reporting as bin/dresnet, without the
 * second or two a fresh Node process takes to load tfjs (the property tests
 * run hundreds of commands).
 */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'dresnet', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = saved;
  }
}

/** A stack trace's frame line, as Node prints them. */
export const STACK_FRAME = /^\s+at .+(\(|:\d+:\d+)/m;
