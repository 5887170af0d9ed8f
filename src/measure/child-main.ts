/** Entry of the fresh process that measures one model (see child.ts): request JSON in argv, Measurement JSON on stdout's last line. */
import { UserError } from '../util/errors';
import { measureModel, MeasureRequest } from './model';

measureModel(JSON.parse(process.argv[2]) as MeasureRequest).then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (err) => {
    // A UserError is one line for the parent to pass on; anything else is a bug, with its stack.
    process.stderr.write(`${err instanceof UserError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
