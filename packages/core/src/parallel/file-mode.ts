import type { FilePair } from './file-io.js';
import type { FileJob } from './file-layout.js';
import type { PlaintextProgress } from './file-progress.js';
import { FramePool } from './frame-pool.js';
import type { SlotKey } from './frame-seal.js';
import type { ResolvedParallel } from './parallel-options.js';
import { runFileJobs } from './run-file-jobs.js';

/** What `encryptFile` and `decryptFile` do in the file mode between opening the message and its end. */
export interface FileMode {
  /** Takes charge of the content key: zero-filled when the file mode ends, however it ends. */
  hold(key: Buffer): Buffer;
  /** Runs the message's jobs (see runFileJobs), counting each in `progress` once written. */
  run(
    direction: 'seal' | 'open',
    slot: SlotKey,
    files: FilePair,
    jobs: Iterable<FileJob>,
    progress: PlaintextProgress,
  ): Promise<void>;
}

/**
 * The file mode's frame around `body`, for encrypt and decrypt alike. With `parallel`, the worker
 * pool starts at once, while `body` fetches the materials (a KMS call, a key derivation) and then
 * runs the first jobs on this thread; since this thread runs jobs too, the pool has
 * `parallel.workers - 1` threads (none for 1 worker: the file mode on one thread). However `body`
 * ends, the content key it handed to `hold` is zero-filled and the pool is closed: each worker has
 * zero-filled its own copy when this resolves (see FramePool.close).
 */
export async function withFileMode<T>(
  parallel: ResolvedParallel | undefined,
  body: (mode: FileMode) => Promise<T>,
): Promise<T> {
  const threads = parallel ? parallel.workers - 1 : 0;
  const pool = threads > 0 ? new FramePool(threads, parallel?.workerUrl) : undefined;
  let held: Buffer | undefined;
  try {
    return await body({
      hold: (key) => (held = key),
      run: (direction, slot, files, jobs, progress) =>
        runFileJobs(
          direction,
          slot,
          files,
          jobs,
          (job) => progress.addJob(job, slot.frameLength),
          pool,
          parallel?.maxJobsInFlight,
        ),
    });
  } finally {
    held?.fill(0);
    await pool?.close();
  }
}
