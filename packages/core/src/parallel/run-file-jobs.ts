import { setImmediate as turn } from 'node:timers/promises';
import type { FilePair } from './file-io.js';
import { FileJobRunner } from './file-jobs.js';
import type { FileJob } from './file-layout.js';
import type { FramePool, QueuedFileJob } from './frame-pool.js';
import type { SlotKey } from './frame-seal.js';

/**
 * Runs one message's file jobs, sealing or opening, in order of their numbers, on the main thread
 * and on the pool's ready workers (the same job code, FileJobRunner, either way). The rule, one for
 * encrypt and decrypt: a job goes to the pool when a worker there is ready and fewer than
 * `maxJobsInFlight` jobs are in flight on it; otherwise this thread runs it, then turns the event
 * loop once (replies, signals and timers are served between jobs). So the main thread works from
 * the first job while the workers start (a worker that has not started yet is never waited for),
 * and keeps working beside them whenever their queue is full. Once every job is handed out, this
 * thread takes back the jobs still queued on a worker that has not started them and runs them itself
 * (each job runs once: see claimFileJob), so the run does not end waiting on a worker's queue.
 * Without a pool every job runs here.
 * A pool that fails while the jobs run (a worker script that cannot load, a thread that crashes)
 * fails the run with its WorkerFailedError, whether or not the failed worker held a job: a
 * misconfigured pool is reported, not silently replaced by this thread.
 *
 * On decrypt each job writes a run's plaintext only once every frame of it authenticated, wherever
 * it runs. `onJobDone` is told of each job once its output is written, in the order jobs complete.
 * After a failure no further job is handed out, and the jobs queued on a worker above the lowest
 * failed one are taken back unrun (those below it still run); once the jobs in flight have settled,
 * the failure of the lowest-numbered failed job is thrown (the caller then removes the output). The pool gets the
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
  /** The jobs on the pool that have not settled, in the order posted (each worker takes its own in that order), each with what runs when it settles. */
  const inFlight = new Map<
    { readonly n: number; readonly job: FileJob; readonly ticket: QueuedFileJob },
    Promise<void>
  >();
  let failure: { readonly number: number; readonly error: unknown } | undefined;
  const fail = (number: number, error: unknown) => {
    if (!failure || number < failure.number) failure = { number, error };
  };
  const runHere = (n: number, job: FileJob) => {
    try {
      const io = { ...job, input: files.input, output: files.output };
      if (direction === 'seal') runner.seal(slot, io);
      else runner.open(slot, io);
      onJobDone(job);
    } catch (error) {
      fail(n, error);
    }
  };
  pool?.installKey(0, slot.suite.id, slot.key, slot.messageId, slot.frameLength);
  const type = direction === 'seal' ? 'seal-file' : 'open-file';
  let number = 0;
  for (const job of jobs) {
    const n = number++;
    if (pool?.failure) fail(n, pool.failure);
    if (failure) break;
    if (pool && pool.readyWorkers > 0 && inFlight.size < maxJobsInFlight) {
      const posted = { n, job, ticket: pool.file(type, 0, files, job) };
      const running = posted.ticket.settled
        .then(() => {
          if (!posted.ticket.takenBack) onJobDone(job);
        })
        .catch((error: unknown) => fail(n, error))
        .finally(() => inFlight.delete(posted));
      inFlight.set(posted, running);
      continue;
    }
    runHere(n, job);
    await turn();
  }
  // No job left to hand out (or a failure): rather than idle while the workers work through their
  // queues, take back the jobs they have not started, the last posted first (the farthest from the
  // head of its worker's queue), and run them here. After a failure the jobs above the lowest failed
  // one are taken back and not run, and those below it still run, as they would have on the worker:
  // so the failure thrown is the lowest-numbered one, the one a single thread meets first, however
  // the jobs were timed.
  for (const { n, job, ticket } of [...inFlight.keys()].reverse()) {
    if (pool?.failure) fail(n, pool.failure);
    if (!ticket.takeBack() || (failure && n > failure.number)) continue;
    runHere(n, job);
    await turn();
  }
  await Promise.all(inFlight.values());
  if (pool?.failure) fail(number, pool.failure);
  if (failure) throw failure.error;
}
