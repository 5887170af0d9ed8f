/** Entry of the fresh process that measures one model (see child.ts): request JSON on stdin, Measurement JSON on stdout's last line. */
import { UserError } from '../util/errors';
import { measureModel, MeasureRequest } from './model';

async function readRequest(): Promise<MeasureRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as MeasureRequest;
}

readRequest().then(measureModel).then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (err) => {
    // A UserError is one line for the parent to pass on; anything else is a bug, with its stack.
    process.stderr.write(`${err instanceof UserError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
