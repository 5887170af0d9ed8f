/** Entry of the fresh process that measures one model (see probe.ts): request JSON in argv, result JSON on stdout's last line. */
import '../models';
import { measureInProcess } from './probe';
import { ProbeRequest } from './runner';

measureInProcess(JSON.parse(process.argv[2]) as ProbeRequest).then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
