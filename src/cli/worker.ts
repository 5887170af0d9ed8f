import { Command } from 'commander';
import { runQueueWorker } from '../suite/queue-worker';
import { UserError } from '../util/errors';

interface WorkerCommandOptions {
  queue: string;
  device?: 'cpu' | 'cuda';
  concurrency: string;
  threads?: string;
  checkpoints?: string;
  stallSeconds: string;
}

function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${option} ${value}: expected a whole number >= 1`);
  return n;
}

export function registerWorkerCommand(program: Command): void {
  program.command('worker')
    .description('train the fold-runs that `dresnet compare --queue URL` puts on a Redis queue (on this or any machine)')
    .requiredOption('--queue <url>', 'the queue: redis://HOST:PORT[/db]')
    .option('--device <device>', "cpu or cuda: overrides the jobs' protocol device")
    .option('--concurrency <n>', 'jobs trained at once, each in its own process', '1')
    .option('--threads <n>', "intra-op threads per job (default: the protocol's)")
    .option('--checkpoints <dir>', 'a folder every worker can reach: run folders go there, and a job taken over from a dead worker resumes from its last checkpoint (default: a temporary folder per job, from scratch)')
    .option('--stall-seconds <s>', "seconds before a dead worker's job is taken by another", '30')
    .action(async (opts: WorkerCommandOptions) => {
      if (opts.device !== undefined && opts.device !== 'cpu' && opts.device !== 'cuda') throw new UserError(`--device ${opts.device}: expected cpu or cuda`);
      await runQueueWorker({
        url: opts.queue,
        device: opts.device,
        concurrency: positiveInteger('--concurrency', opts.concurrency),
        threads: opts.threads === undefined ? undefined : positiveInteger('--threads', opts.threads),
        checkpoints: opts.checkpoints,
        stallSeconds: positiveInteger('--stall-seconds', opts.stallSeconds),
        log: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
