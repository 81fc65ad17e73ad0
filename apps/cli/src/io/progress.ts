import { Transform } from 'node:stream';
import { SingleBar } from 'cli-progress';

/** A progress bar fed with a running count: `update` as it grows, `stop` once (success or failure). */
export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}

/**
 * Draws a progress bar with throughput and ETA on stderr — only when stderr is a terminal and the
 * total size is known; in pipes and with --quiet/--json it draws nothing (and costs nothing).
 */
export function progressBar(label: string, total: number | undefined, enabled: boolean): ProgressBar {
  const draw = enabled && process.stderr.isTTY && total !== undefined && total > 0;
  if (!draw) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  const started = Date.now();
  bar.start(total, 0, payload(0, total, started));
  let stopped = false;
  return {
    update(done) {
      if (!stopped) bar.update(done, payload(done, total, started));
    },
    stop() {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

/** A pass-through that counts the bytes flowing through it on a {@link progressBar}. */
export function progressMeter(label: string, total: number | undefined, enabled: boolean): Transform {
  const bar = progressBar(label, total, enabled);
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      bar.update(done);
      callback(null, chunk);
    },
    flush(callback) {
      bar.update(done);
      bar.stop();
      callback();
    },
    destroy(error, callback) {
      bar.stop();
      callback(error);
    },
  });
}

function payload(done: number, total: number, started: number) {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  return { done: bytes(done), size: bytes(total), speed: `${bytes(done / seconds)}/s` };
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
