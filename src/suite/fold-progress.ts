/**
 * Progress of the fold-runs a suite trains at once: one bar per active
 * fold-run on a terminal (epochs done, training loss, validation top-1), one
 * plain line per epoch otherwise. Log lines go above the bars.
 */
import { MultiBar, SingleBar } from 'cli-progress';

/** One finished epoch of a fold-run (loss per image, top-1 as a fraction). */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valTop1: number;
}

export interface FoldProgressBoard {
  /** A fold-run started training (label: suite and state key). */
  start(label: string, epochs: number): void;
  epoch(label: string, progress: EpochProgress): void;
  /** The fold-run ended (finished or failed). */
  end(label: string): void;
  log(line: string): void;
  /** Removes the bars (call once, at the end). */
  stop(): void;
}

/** bars: a terminal; lines: a log file or pipe; quiet: the log lines without per-epoch progress. */
export type BoardMode = 'bars' | 'lines' | 'quiet';

export function defaultBoardMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): BoardMode {
  if (quiet) return 'quiet';
  return stream.isTTY ? 'bars' : 'lines';
}

export function epochLine(label: string, p: EpochProgress): string {
  return `${label}: epoch ${p.epoch}/${p.epochs} loss ${p.trainLoss.toFixed(4)} top-1 ${(p.valTop1 * 100).toFixed(1)}%`;
}

export function createFoldProgressBoard(mode: BoardMode, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): FoldProgressBoard {
  if (mode === 'bars') return barsBoard();
  return {
    start: () => {},
    epoch: (label, p) => { if (mode === 'lines') write(epochLine(label, p)); },
    end: () => {},
    log: write,
    stop: () => {},
  };
}

function barsBoard(): FoldProgressBoard {
  const multi = new MultiBar({
    format: '{label} [{bar}] epoch {value}/{total} loss {loss} top-1 {top1}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    autopadding: true,
  });
  const bars = new Map<string, SingleBar>();
  return {
    start(label, epochs) {
      bars.set(label, multi.create(epochs, 0, { label, loss: '-', top1: '-' }));
    },
    epoch(label, p) {
      bars.get(label)?.update(p.epoch, { loss: p.trainLoss.toFixed(4), top1: `${(p.valTop1 * 100).toFixed(1)}%` });
    },
    end(label) {
      const bar = bars.get(label);
      if (bar) multi.remove(bar);
      bars.delete(label);
    },
    // MultiBar holds log lines until it redraws, which it does only while a bar is shown.
    log: (line) => (bars.size > 0 ? multi.log(`${line}\n`) : process.stderr.write(`${line}\n`)),
    stop: () => multi.stop(),
  };
}
