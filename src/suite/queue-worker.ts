/**
 * `dresnet worker`: takes fold-run jobs off the queue and trains them in
 * sandboxed processors (queue-processor.js), `concurrency` at once. A job
 * whose worker dies is taken again, by this worker or another, once its lock
 * expires; it resumes from its last checkpoint when every worker shares the
 * --checkpoints folder.
 */
import * as path from 'node:path';
import { Job, Worker } from 'bullmq';
import { epochLine, EpochProgress } from './fold-progress';
import { checkQueueServer, FoldJobData, FoldJobResult, JOB_ENV, parseQueueUrl, QUEUE_NAME } from './queue';

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  device?: 'cpu' | 'cuda';
  threads?: number;
  /** A folder every worker can reach: run folders (and checkpoints) go there, and a retried job resumes from it. */
  checkpoints?: string;
  /** How long a dead worker's job waits before another takes it (the job lock's duration). */
  stallSeconds: number;
  log(line: string): void;
}

function jobEnv(opts: QueueWorkerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.device) env[JOB_ENV.device] = opts.device;
  if (opts.threads !== undefined) env[JOB_ENV.threads] = String(opts.threads);
  if (opts.checkpoints) env[JOB_ENV.checkpoints] = path.resolve(opts.checkpoints);
  return env;
}

function describeResult(r: FoldJobResult): string {
  const top1 = (r.outcome.top1 * 100).toFixed(2);
  return `top-1 ${top1}%${r.resumed ? ', resumed from its checkpoint' : ''}${r.runDir ? ` in ${r.runDir}` : ''}`;
}

/** Starts the worker; resolves once it has stopped (after `stop()`, on SIGINT or SIGTERM). */
export async function runQueueWorker(opts: QueueWorkerOptions): Promise<void> {
  const connection = parseQueueUrl(opts.url);
  await checkQueueServer(opts.url, connection);
  const lockMs = opts.stallSeconds * 1000;
  const worker = new Worker<FoldJobData, FoldJobResult>(QUEUE_NAME, path.join(__dirname, 'queue-processor.js'), {
    connection,
    concurrency: opts.concurrency,
    useWorkerThreads: false,
    workerForkOptions: { env: jobEnv(opts) },
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job may lose two workers before it counts as failed.
    maxStalledCount: 2,
  });
  const name = (job: Job | undefined) => job?.id ?? '(unknown job)';
  worker.on('active', (job) => opts.log(`${name(job)}: started (attempt ${job.attemptsStarted})`));
  worker.on('progress', (job, p) => { if (typeof p === 'object') opts.log(epochLine(name(job), p as unknown as EpochProgress)); });
  worker.on('completed', (job, result) => opts.log(`${name(job)}: done, ${describeResult(result)}`));
  worker.on('failed', (job, err) => opts.log(`${name(job)}: failed: ${err.message}`));
  worker.on('error', (err) => opts.log(`worker: ${err.message}`));
  await worker.waitUntilReady();
  opts.log(`worker: taking jobs from ${opts.url} (${opts.concurrency} at once${opts.checkpoints ? `, checkpoints in ${path.resolve(opts.checkpoints)}` : ''})`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130); // the second Ctrl-C: the jobs go back to the queue when their locks expire
      stopping = true;
      opts.log('worker: finishing the jobs in progress (Ctrl-C again to stop now)');
      void worker.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
