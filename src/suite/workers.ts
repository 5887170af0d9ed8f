/**
 * Local workers: each fold-run of a suite trains in its own child process
 * (fold-child.js) with its own thread count and device, so `runSuite` with
 * `concurrency: N` keeps N of them busy. Progress comes back per epoch over
 * IPC and is shown on a FoldProgressBoard.
 */
import { fork } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunConfig } from '../config/run-config';
import { FoldProgressBoard } from './fold-progress';
import type { FromChild, ToChild } from './fold-child';
import { Protocol } from './schema';
import { FoldRunInterrupted, FoldRunNotStarted, FoldTask, SuitePorts, TrainedFold } from './runner';

/** The lines of a child's stderr kept for the error message when it dies without a word. */
const STDERR_TAIL_LINES = 5;

/** The default number of local workers: the cores divided by the protocol's threads per run (0 threads: all cores, so one). */
export function defaultWorkerCount(protocol: Pick<Protocol, 'threads'>, cores = os.availableParallelism()): number {
  const threads = protocol.threads > 0 ? protocol.threads : cores;
  return Math.max(1, Math.floor(cores / threads));
}

export const taskLabel = (task: FoldTask): string => `${task.suite} ${task.key}`;

/** Trains one fold-run in a fresh child process; rejects with the child's own error message. */
export function trainInChild(config: RunConfig, task: FoldTask, board: FoldProgressBoard): Promise<TrainedFold> {
  const label = taskLabel(task);
  const child = fork(path.join(__dirname, 'fold-child.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).split('\n').slice(-STDERR_TAIL_LINES - 1).join('\n'); });
  board.start(label, config.train.epochs);
  return new Promise<TrainedFold>((resolve, reject) => {
    let settled: { ok: TrainedFold } | { error: Error } | undefined;
    child.on('message', (msg: FromChild) => {
      if (msg.type === 'epoch') board.epoch(label, msg.report);
      else if (msg.type === 'done') settled = { ok: msg.trained };
      else settled = { error: msg.type === 'interrupted' ? new FoldRunInterrupted(msg.message) : new Error(msg.message) };
    });
    child.on('error', (err) => { settled ??= { error: err }; });
    child.on('exit', (code, signal) => {
      board.end(label);
      if (settled && 'ok' in settled) resolve(settled.ok);
      else reject(settled?.error ?? new Error(`its worker process ended (exit ${code}, signal ${signal}): ${stderr.trim().split('\n').join(' | ') || 'no output'}`));
    });
    child.send({ config, prune: task.prune } satisfies ToChild);
  });
}

/**
 * The ports of a suite run whose fold-runs each train in a child process.
 * After Ctrl-C (which also reaches the children: they save a checkpoint and
 * stop) no new fold-run starts; the next run of the suite resumes them.
 */
export function localWorkerPorts(base: SuitePorts, board: FoldProgressBoard): SuitePorts & { dispose(): void } {
  let interrupted = false;
  const onSigint = (): void => {
    if (!interrupted) board.log('interrupted: the running fold-runs save a checkpoint and stop; no new ones start (run the command again to resume)');
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  return {
    ...base,
    trainFold: (config, task) => (interrupted ? Promise.reject(new FoldRunNotStarted('not started (interrupted)')) : trainInChild(config, task, board)),
    dispose: () => { process.off('SIGINT', onSigint); },
  };
}
