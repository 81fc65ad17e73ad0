import { setImmediate as turn } from 'node:timers/promises';
import type { FilePair } from './file-io.js';
import { FileJobRunner } from './file-jobs.js';
import type { FileJob } from './file-layout.js';
import type { FramePool } from './frame-pool.js';
import type { SlotKey } from './frame-seal.js';

/**
 * Runs one message's file jobs, sealing or opening, in order of their numbers, on the main thread
 * and on the pool's ready workers (the same job code, FileJobRunner, either way). The rule, one for
 * encrypt and decrypt: a job goes to the pool when a worker there is ready and fewer than
 * `maxJobsInFlight` jobs are in flight on it; otherwise this thread runs it, then turns the event
 * loop once (replies, signals and timers are served between jobs). So the main thread works from
 * the first job while the workers start (a worker that has not started yet is never waited for),
 * and keeps working beside them whenever their queue is full. Without a pool every job runs here.
 * A pool that fails while the jobs run (a worker script that cannot load, a thread that crashes)
 * fails the run with its WorkerFailedError, whether or not the failed worker held a job: a
 * misconfigured pool is reported, not silently replaced by this thread.
 *
 * On decrypt each job writes a run's plaintext only once every frame of it authenticated, wherever
 * it runs. `onJobDone` is told of each job once its output is written, in the order jobs complete.
 * After a failure no further job starts; once the jobs in flight have settled, the failure of the
 * lowest-numbered failed job is thrown (the caller then removes the output). The pool gets the
 * content key once (slot 0); the caller keeps `slot.key`, which this thread's jobs use, and
 * zero-fills it.
 */
export async function runFileJobs(
  direction: 'seal' | 'open',
  slot: SlotKey,
  files: FilePair,
  jobs: Iterable<FileJob>,
  onJobDone: (job: FileJob) => void,
  pool?: FramePool,
  maxJobsInFlight = 1,
): Promise<void> {
  const runner = new FileJobRunner();
  const inFlight = new Set<Promise<void>>();
  let failure: { readonly number: number; readonly error: unknown } | undefined;
  const fail = (number: number, error: unknown) => {
    if (!failure || number < failure.number) failure = { number, error };
  };
  pool?.installKey(0, slot.suite.id, slot.key, slot.messageId, slot.frameLength);
  const type = direction === 'seal' ? 'seal-file' : 'open-file';
  let number = 0;
  for (const job of jobs) {
    const n = number++;
    if (pool?.failure) fail(n, pool.failure);
    if (failure) break;
    if (pool && pool.readyWorkers > 0 && inFlight.size < maxJobsInFlight) {
      const running = pool
        .file(type, 0, files, job)
        .then(() => onJobDone(job))
        .catch((error: unknown) => fail(n, error))
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      continue;
    }
    try {
      const io = { ...job, input: files.input, output: files.output };
      if (direction === 'seal') runner.seal(slot, io);
      else runner.open(slot, io);
      onJobDone(job);
    } catch (error) {
      fail(n, error);
    }
    await turn();
  }
  await Promise.all(inFlight);
  if (pool?.failure) fail(number, pool.failure);
  if (failure) throw failure.error;
}
