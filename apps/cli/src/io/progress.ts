import { Transform } from 'node:stream';
import { SingleBar } from 'cli-progress';

/**
 * A pass-through that draws a progress bar with throughput and ETA on stderr — only when stderr is
 * a terminal and the total size is known; in pipes and with --quiet/--json it draws nothing.
 */
export function progressMeter(label: string, total: number | undefined, enabled: boolean): Transform {
  const draw = enabled && process.stderr.isTTY && total !== undefined && total > 0;
  const bar = draw
    ? new SingleBar({
        format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      })
    : undefined;
  let done = 0;
  const started = Date.now();
  bar?.start(total ?? 0, 0, payload(0, total ?? 0, started));
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      bar?.update(done, payload(done, total ?? 0, started));
      callback(null, chunk);
    },
    flush(callback) {
      bar?.update(done, payload(done, total ?? 0, started));
      bar?.stop();
      callback();
    },
    destroy(error, callback) {
      bar?.stop();
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
