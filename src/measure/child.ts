/**
 * A fresh Node process per model: peak RSS is per process and the heap does
 * not shrink (the torch addon keeps freed memory for the next step), so in one
 * process every model after ResNet-50 reported ResNet-50's RSS, and a parent
 * that has trained would lend its own memory to the figures.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import type { Measurement, MeasureRequest } from './model';

/**
 * Measures one model in a child process (child-main.js): the request as JSON
 * on stdin (a pruned model's plan outgrows argv's limit), the Measurement as
 * JSON on stdout's last line.
 */
export function measureInChild(req: MeasureRequest): Promise<Measurement> {
  const script = path.join(__dirname, 'child-main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(JSON.stringify(req));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        const why = stderr.trim().split('\n').slice(-5).join(' | ');
        reject(new UserError(`measuring ${req.model} in a fresh process failed (exit ${code})${why ? `: ${why}` : ''}`));
        return;
      }
      resolve(JSON.parse(last) as Measurement);
    });
  });
}
