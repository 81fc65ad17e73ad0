import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { ParallelOptions } from '@envelope/core';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * With `--threads auto`, inputs from this size up are encrypted, decrypted and rewrapped on worker
 * threads. On our quiet 2-vCPU machine two workers took 105–125 ms to their first reply (a bare
 * worker thread 55–75 ms; since then the worker loads 9 modules instead of 29), while one thread
 * does 8 MiB of `0x0478` in ≈ 7 ms in the file mode (1.1–1.2 GB/s) and in ≈ 15–25 ms on the stream
 * path (350–525 MB/s). The file mode's main thread runs jobs while the pool starts, so a small file
 * never waits for a worker to start, but creating each thread costs the main thread ≈ 20 ms first
 * (synchronously), the start costs a core tens of ms more, and the stream pool waits for it:
 * below this size the threads cannot pay for themselves.
 */
export const PARALLEL_FROM_BYTES = 8 * 1024 * 1024;

export interface ParallelFlags {
  /** `--threads <n|auto>` (or ENVELOPE_THREADS): worker threads; 0 = one thread. */
  readonly threads?: string;
  /** false with `--no-parallel`. */
  readonly parallel?: boolean;
}

/**
 * The parallel mode for one input: off by default, with `--no-parallel` or `--threads 0`; on with
 * `--threads n` (n workers) whatever the input; with `--threads auto`, one worker per CPU for a
 * regular file of at least {@link PARALLEL_FROM_BYTES} when there is more than one CPU (stdin's size
 * is unknown: off). Off by default because `pnpm bench` (BENCH_ONLY=parallel) measures neither
 * mode at the 1.6× that would justify it on our 2-vCPU machine: the stream pool is slower than one
 * thread (its main thread moves every byte), and the file mode with 2 workers (regular file →
 * regular file, see file-mode.ts) measured 0.86–1.02× (medians) of the same file mode on one thread,
 * which the CLI runs for files anyway, while raw AES-GCM on two threads gained 1.7–3.5× in the same
 * runs: the positional writes into one file do not split across threads (see docs/cli.md).
 */
export async function parallelFor(
  input: string | undefined,
  flags: ParallelFlags,
): Promise<false | ParallelOptions> {
  if (flags.parallel === false || flags.threads === undefined) return false;
  if (flags.threads.trim() !== 'auto') {
    const threads = Number(flags.threads);
    if (!/^\d+$/.test(flags.threads.trim()) || threads > 256) {
      throw new CliError(
        `--threads must be auto or a whole number from 0 to 256; got ${JSON.stringify(flags.threads)}.`,
        ExitCode.USAGE,
        'pass --threads 4, or --no-parallel (--threads 0) for one thread',
      );
    }
    return threads === 0 ? false : { workers: threads };
  }
  const cpus = availableParallelism();
  if (cpus < 2 || !input || input === '-') return false;
  const size = await stat(input).then(
    (info) => (info.isFile() ? info.size : 0),
    () => 0, // a missing input is reported when it is opened
  );
  return size >= PARALLEL_FROM_BYTES ? { workers: cpus } : false;
}
