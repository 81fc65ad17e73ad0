import type { FleetMessageResult } from '@envelope/core';
import { SingleBar } from 'cli-progress';
import { bytes } from './progress.js';

/**
 * Progress of a fleet rewrap on stderr — messages, bytes, rate and ETA — only when stderr is a
 * terminal and not --quiet/--json; elsewhere it draws nothing.
 */
export function fleetProgress(totalMessages: number, totalBytes: number, enabled: boolean) {
  const draw = enabled && process.stderr.isTTY === true && totalMessages > 0;
  const bar = draw
    ? new SingleBar({
        format: 'rewrap [{bar}] {value}/{total} messages | {done}/{size} | {rate} | ETA {eta_formatted}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 100,
      })
    : undefined;
  const started = Date.now();
  let messages = 0;
  let done = 0;
  const payload = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    return {
      done: bytes(done),
      size: bytes(totalBytes),
      rate: `${(messages / seconds).toFixed(1)} msg/s, ${bytes(done / seconds)}/s`,
    };
  };
  bar?.start(totalMessages, 0, payload());
  return {
    update(_result: FleetMessageResult, size: number) {
      messages++;
      done += size;
      bar?.update(messages, payload());
    },
    stop() {
      bar?.stop();
    },
  };
}
