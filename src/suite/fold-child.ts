/**
 * Entry of the child process that trains one suite fold-run for a local
 * worker (see workers.ts): the run config arrives over IPC, each epoch's
 * progress and then the result (or the error) go back the same way.
 */
import '../models';
import { RunConfig } from '../config/run-config';
import { EpochReport } from '../train/run-types';
import { trainSuiteFold } from './ports';
import { FoldRunInterrupted, PruneTask, TrainedFold } from './runner';

export type ToChild = { config: RunConfig; prune?: PruneTask };
export type FromChild =
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; trained: TrainedFold }
  | { type: 'failed'; message: string }
  /** Stopped by Ctrl-C after saving a checkpoint. */
  | { type: 'interrupted'; message: string };

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

// Ctrl-C reaches the whole process group: save a checkpoint after the current step and stop, so the next run resumes here.
const interrupt = { stop: false };
process.on('SIGINT', () => { interrupt.stop = true; });
// The parent is gone (killed): nobody will collect this fold-run, and a retry must not find two trainers in one folder.
process.on('disconnect', () => process.exit(1));

process.once('message', (msg: ToChild) => {
  trainSuiteFold(msg.config, { progress: 'silent', interrupt, onEpoch: (report) => { void send({ type: 'epoch', report }); } }, msg.prune)
    .then((trained) => send({ type: 'done', trained }))
    .catch((err: unknown) => send({ type: err instanceof FoldRunInterrupted ? 'interrupted' : 'failed', message: err instanceof Error ? err.message : String(err) }))
    // The result is sent (send waits for it): exit rather than wait for the data layer's idle workers.
    .finally(() => process.exit(0));
});
