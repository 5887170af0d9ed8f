/**
 * Distributed workers on BullMQ (Redis): `dresnet compare --queue URL` puts
 * each missing fold-run on the queue as one job and collects the results;
 * `dresnet worker --queue URL` (queue-worker.ts) trains them on any machine.
 * A job's id is derived from (suite, run, repeat, fold, config hash), so a
 * second coordinator (or a restarted one) finds the job already there and
 * waits for it instead of adding it twice.
 */
import { Job, Queue, QueueEvents, RedisOptions } from 'bullmq';
import IORedis from 'ioredis';
import { RunConfig } from '../config/run-config';
import { UserError } from '../util/errors';
import { FoldProgressBoard, EpochProgress } from './fold-progress';
import { FoldOutcome, FoldTask, QUEUE_RUN_PREFIX, SuitePorts, TrainedFold } from './runner';
import { taskLabel } from './workers';

export const QUEUE_NAME = 'dresnet-folds';

/** What a job carries: the fold-run and its resolved config (the worker picks the folder). */
export interface FoldJobData extends FoldTask {
  config: RunConfig;
}

/** A job's return value: the fold's results, so the coordinator needs no access to the worker's disk. */
export interface FoldJobResult {
  /** The run folder under the worker's --checkpoints folder; absent when the worker kept none. */
  runDir?: string;
  host: string;
  /** The job continued from a checkpoint another attempt left. */
  resumed: boolean;
  outcome: FoldOutcome;
}

/** The worker's settings for its jobs, passed to its sandboxed processors (queue-processor.ts) in the environment. */
export const JOB_ENV = { device: 'DRESNET_JOB_DEVICE', threads: 'DRESNET_JOB_THREADS', checkpoints: 'DRESNET_JOB_CHECKPOINTS' } as const;

/** A job's config with the worker's device and threads, training into `foldDir`. */
export function workerConfig(config: RunConfig, foldDir: string, env: NodeJS.ProcessEnv): RunConfig {
  const device = env[JOB_ENV.device] as RunConfig['runtime']['device'] | undefined;
  const threads = env[JOB_ENV.threads];
  return {
    ...config,
    runtime: { ...config.runtime, outDir: foldDir, ...(device ? { device } : {}), ...(threads ? { threads: Number(threads) } : {}) },
  };
}

/** Retries of a job that failed (not of one with a bad config: that fails at once), with exponential backoff. */
export const JOB_ATTEMPTS = 3;
const BACKOFF_MS = 5000;

/** Connection options of a redis://[user:password@]HOST[:PORT][/db] (or rediss://, TLS) URL. */
export function parseQueueUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`--queue ${url}: expected a URL like redis://HOST:PORT[/db]`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UserError(`--queue ${url}: expected a redis:// or rediss:// URL, got ${parsed.protocol}//`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UserError(`--queue ${url}: the database "${db}" is not a number`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db: db === '' ? 0 : Number(db),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's blocking connections must retry forever rather than fail a command.
    maxRetriesPerRequest: null,
  };
}

/** Reads Redis's eviction policy from INFO (CONFIG GET may be disabled on managed servers). */
export function evictionPolicy(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * Checks the server before any job moves: reachable, and `maxmemory-policy
 * noeviction` (BullMQ's requirement: under memory pressure another policy
 * would silently delete jobs and their locks).
 */
export async function checkQueueServer(url: string, connection: RedisOptions): Promise<void> {
  const client = new IORedis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  // The socket's error (ECONNREFUSED, ENOTFOUND) says more than connect()'s rejection ("Connection is closed").
  let socketError: Error | undefined;
  client.on('error', (err: Error) => { socketError ??= err; });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`--queue ${url}: cannot reach Redis (${(socketError ?? (err as Error)).message})`);
  }
  try {
    const policy = evictionPolicy(await client.info('memory'));
    if (policy !== 'noeviction') {
      throw new UserError(
        `--queue ${url}: Redis has maxmemory-policy ${policy ?? '(unknown)'}; BullMQ needs noeviction, or jobs can be evicted: `
        + 'set `maxmemory-policy noeviction` in redis.conf (or run `redis-cli config set maxmemory-policy noeviction`)',
      );
    }
  } finally {
    client.disconnect();
  }
}

/** The job id of a fold-run: readable, and the same for the same fold-run and config wherever it is enqueued. */
export function foldJobId(task: Pick<FoldTask, 'suite' | 'runId' | 'slot' | 'configHash'>): string {
  // ':' separates Redis key parts, and BullMQ rejects it in custom ids.
  const suite = task.suite.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${suite}/${task.runId}/r${task.slot.repeat}/fold${task.slot.fold}/${task.configHash}`;
}

const jobOptions = (jobId: string) => ({
  jobId,
  attempts: JOB_ATTEMPTS,
  backoff: { type: 'exponential', delay: BACKOFF_MS },
  // Finished jobs stay, so enqueuing the same fold-run again returns its result instead of training it again.
  removeOnComplete: false,
  removeOnFail: false,
});

/** The coordinator's side: trainFold enqueues (or finds) the job and waits for its result. */
export async function openQueueCoordinator(url: string, board: FoldProgressBoard): Promise<Pick<SuitePorts, 'trainFold'> & { close(): Promise<void> }> {
  const connection = parseQueueUrl(url);
  await checkQueueServer(url, connection);
  const queue = new Queue<FoldJobData, FoldJobResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  await events.waitUntilReady();
  // The jobs this coordinator waits for: their progress label and epochs.
  const waiting = new Map<string, { label: string; epochs: number }>();
  events.on('active', ({ jobId }) => {
    const job = waiting.get(jobId);
    if (job) board.start(job.label, job.epochs);
  });
  events.on('progress', ({ jobId, data }) => {
    const job = waiting.get(jobId);
    if (job && typeof data === 'object') board.epoch(job.label, data as unknown as EpochProgress);
  });
  events.on('stalled', ({ jobId }) => {
    const job = waiting.get(jobId);
    if (job) board.log(`${job.label}: its worker stopped answering; the job goes back to the queue`);
  });

  async function trainFold(config: RunConfig, task: FoldTask): Promise<TrainedFold> {
    const jobId = foldJobId(task);
    waiting.set(jobId, { label: taskLabel(task), epochs: config.train.epochs });
    const { outDir, ...runtime } = config.runtime;
    const data: FoldJobData = { ...task, config: { ...config, runtime: { ...runtime, outDir: '.' } } };
    const job: Job<FoldJobData, FoldJobResult> = await queue.add('fold', data, jobOptions(jobId));
    // The id was on the queue already and its job failed (a coordinator before this one): try it again.
    if (await job.isFailed()) await job.retry('failed');
    board.log(`${taskLabel(task)}: queued as job ${jobId}`);
    try {
      const result = await job.waitUntilFinished(events) as FoldJobResult | string;
      const value: FoldJobResult = typeof result === 'string' ? JSON.parse(result) : result;
      if (value.resumed) board.log(`${taskLabel(task)}: finished on ${value.host}, resumed from the checkpoint of an earlier attempt`);
      return { runDir: value.runDir ?? `${QUEUE_RUN_PREFIX}${jobId}`, outcome: value.outcome };
    } finally {
      board.end(taskLabel(task));
      waiting.delete(jobId);
    }
  }

  return {
    trainFold,
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
