import { parentPort, workerData } from 'node:worker_threads';
import { BatchJob, renderBatch } from './batch-job';
import type { ImageStore } from './store';

/** A batch-rendering thread: the image store arrives once (shared memory), then one job per message. */
const store = workerData as ImageStore;

parentPort!.on('message', (msg: { id: number; job: BatchJob }) => {
  try {
    const x = renderBatch(store, msg.job);
    parentPort!.postMessage({ id: msg.id, x }, [x.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
