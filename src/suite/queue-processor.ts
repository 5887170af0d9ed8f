/**
 * The sandboxed processor of `dresnet worker`: BullMQ runs it in a child
 * process, so native kernels that block this event loop never block the
 * worker's lock renewal (a blocked worker would lose its lock and its job
 * would be taken as stalled). Settings come from the worker in DRESNET_JOB_*
 * variables.
 */
import '../models';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SandboxedJob, UnrecoverableError } from 'bullmq';
import { isRunFolder } from '../train/run-folder';
import { isUserError } from '../util/errors';
import { EpochProgress } from './fold-progress';
import { trainSuiteFold } from './ports';
import { FoldJobData, FoldJobResult, JOB_ENV, workerConfig } from './queue';

// The worker is gone (killed): another worker will take the job; this one must not keep writing into its folder.
process.on('disconnect', () => process.exit(1));

export default async function processFoldJob(job: SandboxedJob<FoldJobData, FoldJobResult>): Promise<FoldJobResult> {
  const checkpoints = process.env[JOB_ENV.checkpoints];
  // Without a shared folder, each attempt starts from scratch in a folder of its own, removed afterwards.
  const root = checkpoints ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-job-'));
  const foldDir = path.join(root, job.data.foldPath);
  const resumed = isRunFolder(path.join(foldDir, 'run'));
  try {
    const trained = await trainSuiteFold(workerConfig(job.data.config, foldDir, process.env), {
      progress: 'silent',
      onEpoch: (r) => { void job.updateProgress({ epoch: r.epoch, epochs: r.epochs, trainLoss: r.trainLoss, valTop1: r.valTop1 } satisfies EpochProgress); },
    }, job.data.prune);
    return { runDir: checkpoints === undefined ? undefined : trained.runDir, host: os.hostname(), resumed, outcome: trained.outcome };
  } catch (err) {
    // A bad config fails the same way on every attempt: no retries.
    if (isUserError(err)) throw new UnrecoverableError(err.message);
    throw err;
  } finally {
    if (checkpoints === undefined) fs.rmSync(root, { recursive: true, force: true });
  }
}
