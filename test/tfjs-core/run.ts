/**
 * Runs tfjs-core's own jasmine suite (shipped in its dist/) against one
 * backend: bundle setup + tfjs-core/dist/tests with esbuild so the specs and
 * the backend share one tfjs-core instance, then run the bundle under jasmine.
 *
 *   node dist/test/tfjs-core/run.js [--backend torch|cpu] [--device cpu|cuda] [--grep text] [--json out.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/util/files';
import { ignoreListFor } from './ignore-list';

interface SpecResult {
  fullName: string;
  status: string;
  failedExpectations: Array<{ message: string }>;
}

export interface SuiteCounts {
  passed: number;
  failed: number;
  ignored: number;
  pending: number;
  /** Full names of the specs the ignore list skipped. */
  ignoredNames: string[];
  failures: Array<{ name: string; message: string }>;
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function bundle(root: string): string {
  // esbuild is a dev dependency: the suite is a test, not part of the tool.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const outfile = path.join(root, 'dist', 'tfjs-core-suite', 'bundle.js');
  esbuild.buildSync({
    entryPoints: [path.join(root, 'test', 'tfjs-core', 'entry.ts')],
    bundle: true,
    platform: 'node',
    mainFields: ['module', 'main'],
    // Without this the package's sideEffects list drops every spec file.
    ignoreAnnotations: true,
    external: ['*.node', 'esbuild'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

function isIgnored(name: string, device: string): boolean {
  return ignoreListFor(device).some((entry) => name.includes(entry.match));
}

export async function runSuite(backend: string, grep?: string, device = 'cpu'): Promise<SuiteCounts> {
  process.env.TFJS_SUITE_BACKEND = backend;
  process.env.TFJS_SUITE_DEVICE = device;
  const root = packageRoot();
  const file = bundle(root);
  const Jasmine = require('jasmine');
  const runner = new Jasmine({ projectBaseDir: root });
  runner.exitOnCompletion = false;
  const counts: SuiteCounts = { passed: 0, failed: 0, ignored: 0, pending: 0, ignoredNames: [], failures: [] };
  runner.env.configure({
    random: false,
    specFilter: (spec: { getFullName(): string }) => {
      const name = spec.getFullName();
      if (grep && !name.includes(grep)) return false;
      if (backend === 'torch' && isIgnored(name, device)) {
        counts.ignored++;
        counts.ignoredNames.push(name);
        return false;
      }
      return true;
    },
  });
  runner.env.clearReporters();
  runner.env.addReporter({
    specDone(result: SpecResult) {
      if (result.status === 'passed') counts.passed++;
      else if (result.status === 'failed') {
        counts.failed++;
        counts.failures.push({ name: result.fullName, message: result.failedExpectations.map((e) => e.message).join(' | ').slice(0, 300) });
      } else if (result.status === 'pending') counts.pending++;
    },
  });
  await runner.execute([file]);
  return counts;
}

async function cli(argv: string[]): Promise<void> {
  const backend = argValue(argv, '--backend') ?? 'torch';
  const device = argValue(argv, '--device') ?? 'cpu';
  const counts = await runSuite(backend, argValue(argv, '--grep'), device);
  for (const f of counts.failures) process.stdout.write(`FAILED: ${f.name}\n    ${f.message}\n`);
  const out = argValue(argv, '--json');
  if (out) fs.writeFileSync(out, JSON.stringify(counts, null, 2));
  process.stdout.write(`tfjs-core suite on ${backend} (${device}): ${counts.passed} passed, ${counts.failed} failed, ${counts.ignored} ignored, ${counts.pending} pending\n`);
  process.exitCode = counts.failed > 0 ? 1 : 0;
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
    process.exitCode = 2;
  });
}
