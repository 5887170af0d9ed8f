/**
 * A fresh Node process per measurement: peak RSS is per process and the heap
 * does not shrink (the torch addon keeps freed memory for the next step), so
 * in one process every model after ResNet-50 reported ResNet-50's RSS, and a
 * parent that has trained would lend its own memory to the figures.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import type { Measurement, MeasureRequest } from './model';
import type { PairedMeasurement, PairedRequest } from './paired';

/** What the child measures: one model, or two models' training interleaved (paired.ts). */
export type ChildJob = { kind: 'model'; request: MeasureRequest } | { kind: 'paired'; request: PairedRequest };

/**
 * Runs a job in a child process (child-main.js): the job as JSON on stdin (a
 * pruned model's plan outgrows argv's limit), the result as JSON on stdout's
 * last line. `what` names the job in an error.
 */
function inChild<T>(job: ChildJob, what: string): Promise<T> {
  const script = path.join(__dirname, 'child-main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(JSON.stringify(job));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        const why = stderr.trim().split('\n').slice(-5).join(' | ');
        reject(new UserError(`measuring ${what} in a fresh process failed (exit ${code})${why ? `: ${why}` : ''}`));
        return;
      }
      resolve(JSON.parse(last) as T);
    });
  });
}

export function measureInChild(request: MeasureRequest): Promise<Measurement> {
  return inChild({ kind: 'model', request }, request.model);
}

export function measurePairedInChild(request: PairedRequest): Promise<PairedMeasurement> {
  return inChild({ kind: 'paired', request }, `${request.a.model} against ${request.b.model}`);
}
