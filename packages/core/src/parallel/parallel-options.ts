import { availableParallelism } from 'node:os';
import { positiveInteger } from '../options.js';

/**
 * The parallel mode: frames are sealed and opened on a pool of `node:worker_threads`, in runs of
 * about {@link JOB_BYTES}, while the main thread reads, orders, signs or verifies and writes.
 * The output is byte-for-byte what one thread makes from the same data key and message id.
 */
export interface ParallelOptions {
  /**
   * Threads that seal and open frames. Default: the available parallelism (CPU count), at most 8.
   * The stream paths start this many worker threads. The file mode (`encryptFile`, `decryptFile`)
   * starts `workers - 1`, since its main thread runs jobs too (from the first job, while the
   * workers start); `workers: 1` there is the file mode on one thread.
   */
  readonly workers?: number;
  /**
   * Jobs (runs of frames) in flight at once. Default: twice the workers, so each has one job queued
   * while it works on another. Bounds memory: see {@link parallelMemoryBound}.
   */
  readonly maxJobsInFlight?: number;
  /** The worker script, when @envelope/core is bundled (see docs/streaming.md). Default: beside this module. */
  readonly workerUrl?: URL;
}

/** Plaintext per job (a run of whole frames; one frame when frames are larger). */
export const JOB_BYTES = 1024 * 1024;
const MAX_DEFAULT_WORKERS = 8;

export interface ResolvedParallel {
  readonly workers: number;
  readonly maxJobsInFlight: number;
  readonly workerUrl: URL | undefined;
}

/** Validates the option at the public boundary; undefined when the parallel mode is off. */
export function resolveParallel(option: boolean | ParallelOptions | undefined): ResolvedParallel | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  const workers = positiveInteger(
    'parallel.workers',
    given.workers ?? Math.min(availableParallelism(), MAX_DEFAULT_WORKERS),
    256,
  );
  const maxJobsInFlight = positiveInteger(
    'parallel.maxJobsInFlight',
    given.maxJobsInFlight ?? 2 * workers,
    4096,
  );
  return { workers, maxJobsInFlight, workerUrl: given.workerUrl };
}

/** Frames per job: whole frames adding up to about {@link JOB_BYTES}, at least one. */
export function framesPerJob(frameLength: number): number {
  return Math.max(1, Math.floor(JOB_BYTES / frameLength));
}

/**
 * The most plaintext the parallel mode holds beyond the single-thread path: jobs in flight × frames
 * per job × frame length, once as plaintext and once as ciphertext (≈ 2 × 2 × workers × 1 MiB at the
 * 64 KiB default frame length).
 */
export function parallelMemoryBound(parallel: ResolvedParallel, frameLength: number): number {
  return 2 * parallel.maxJobsInFlight * framesPerJob(frameLength) * frameLength;
}
