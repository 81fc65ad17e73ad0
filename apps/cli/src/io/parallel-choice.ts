import { availableParallelism } from 'node:os';
import type { ParallelOptions } from '@envelope/core';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * `--threads auto` (the default) puts the frames of a file → file `0x0478` message (the file mode's
 * frame-parallel path) on one thread per CPU from this input size up. Measured on our 2-vCPU machine
 * (`envelope encrypt` / `decrypt` as fresh processes, `--threads auto` against `--threads 0`, files
 * in /dev/shm, medians of 5–7 alternating runs, process start included): 128 MiB 0.98× / 1.04×
 * (encrypt / decrypt), 256 MiB 1.04–1.12× / 0.98–1.07×, 512 MiB 1.16–1.30× / 1.06–1.10×, 1 GiB
 * 1.53× / 1.54×. The pool's start (≈ 70 ms of a core to the worker's first job, and its first jobs
 * run slower while the thread warms up) is what a smaller file cannot pay back here; the command's
 * own start (≈ 0.6 s) is the same on both sides.
 */
export const PARALLEL_FROM_BYTES = 512 * 1024 * 1024;

export interface ParallelFlags {
  /** `--threads <n|auto>` (or ENVELOPE_THREADS): threads; 0 = one thread; auto (also when absent): see parallelFor. */
  readonly threads?: string;
  /** false with `--no-parallel`. */
  readonly parallel?: boolean;
}

/**
 * What `--threads auto` needs to know of a command that runs in the file mode (see fileModeFiles);
 * undefined for one that streams (stdin, stdout, a FIFO or device, rewrap).
 */
export interface ParallelTarget {
  /** The input file's size. */
  readonly bytes: number;
  /**
   * Whether the message is or will be unsigned: the file mode then runs its frames on the threads
   * itself (a signed message's frames go through the stream pool).
   */
  unsigned(): Promise<boolean>;
}

/**
 * The parallel mode for one input: off with `--no-parallel` or `--threads 0`; on with `--threads n`
 * (n workers) whatever the input; with `--threads auto`, the default (or ENVELOPE_THREADS=auto), one
 * worker per CPU only where it measured faster than one thread: more than one CPU, a regular file
 * to a regular file (the file mode) of at least {@link PARALLEL_FROM_BYTES}, unsigned (`0x0478`).
 * Everywhere else auto means one thread: the stream pool (stdin or stdout, signed suites, rewrap)
 * measured 0.3–1.0× of one thread (`pnpm bench`, BENCH_ONLY=parallel: its main thread moves every
 * byte, and for `0x0578` SHA-384 on that thread bounds both), and smaller files do not pay for the
 * pool's start.
 */
export async function parallelFor(
  flags: ParallelFlags,
  target: ParallelTarget | undefined,
): Promise<false | ParallelOptions> {
  if (flags.parallel === false) return false;
  const given = (flags.threads ?? 'auto').trim();
  if (given !== 'auto') {
    const threads = Number(given);
    if (!/^\d+$/.test(given) || threads > 256) {
      throw new CliError(
        `--threads must be auto or a whole number from 0 to 256; got ${JSON.stringify(flags.threads)}.`,
        ExitCode.USAGE,
        'pass --threads 4, or --no-parallel (--threads 0) for one thread',
      );
    }
    return threads === 0 ? false : { workers: threads };
  }
  const cpus = availableParallelism();
  if (cpus < 2 || !target || target.bytes < PARALLEL_FROM_BYTES) return false;
  return (await target.unsigned()) ? { workers: cpus } : false;
}
