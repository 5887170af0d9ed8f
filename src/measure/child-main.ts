/** Entry of the fresh process that runs one measurement (see child.ts): the job as JSON on stdin, its result as JSON on stdout's last line. */
import { UserError } from '../util/errors';
import type { ChildJob } from './child';
import { measureModel } from './model';
import { measurePaired } from './paired';

async function readJob(): Promise<ChildJob> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChildJob;
}

function run(job: ChildJob): Promise<unknown> {
  return job.kind === 'paired' ? measurePaired(job.request) : measureModel(job.request);
}

readJob().then(run).then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (err) => {
    // A UserError is one line for the parent to pass on; anything else is a bug, with its stack.
    process.stderr.write(`${err instanceof UserError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
