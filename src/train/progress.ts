import { SingleBar } from 'cli-progress';

export type ProgressMode = 'bar' | 'lines' | 'silent';

export interface EpochProgress {
  /** After each training step. */
  step(done: number, stats: { loss: number; acc: number; imgPerSec: number }): void;
  /** Ends the epoch's bar (if any) and prints its summary line. */
  end(summary: string): void;
}

export interface Progress {
  epoch(label: string, totalBatches: number, startBatch: number): EpochProgress;
  log(line: string): void;
}

/** A bar on a terminal; plain lines otherwise (or with --quiet); nothing at all for library callers that ask. */
export function defaultProgressMode(quiet: boolean): ProgressMode {
  return !quiet && process.stderr.isTTY ? 'bar' : 'lines';
}

export function createProgress(mode: ProgressMode, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Progress {
  const log = mode === 'silent' ? () => {} : write;
  return {
    log,
    epoch(label, totalBatches, startBatch) {
      if (mode !== 'bar') return { step: () => {}, end: (summary) => log(summary) };
      const bar = new SingleBar({
        format: `${label} [{bar}] {value}/{total} loss {loss} acc {acc} {ips} img/s ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      });
      bar.start(totalBatches, startBatch, { loss: '-', acc: '-', ips: '-' });
      return {
        step(done, s) {
          bar.update(done, { loss: s.loss.toFixed(4), acc: s.acc.toFixed(3), ips: s.imgPerSec.toFixed(1) });
        },
        end(summary) {
          bar.stop();
          log(summary);
        },
      };
    },
  };
}

/** A duration for a progress line: seconds to one decimal under a minute, then minutes and seconds, then hours and minutes. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${two(whole % 60)} s`;
  return `${Math.floor(whole / 3600)} h ${two(Math.floor((whole % 3600) / 60))} min`;
}
