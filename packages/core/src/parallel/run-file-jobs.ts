import { runFileJobsInline } from './file-inline.js';
import type { FilePair } from './file-io.js';
import { runJobs } from './file-io.js';
import type { FileJob } from './file-layout.js';
import type { PlaintextProgress } from './file-progress.js';
import type { FramePool } from './frame-pool.js';
import type { SlotKey } from './frame-seal.js';
import type { ResolvedParallel } from './parallel-options.js';

/**
 * Runs one message's file jobs, sealing or opening, on the pool when there is one or on this thread
 * (the same job code either way), telling `progress` of each job once its output is written. With a
 * pool the content key goes to each worker once, for this message only (slot 0), and the caller's
 * copy (`slot.key`) is zero-filled as soon as it is sent.
 */
export async function runFileJobs(
  direction: 'seal' | 'open',
  slot: SlotKey,
  files: FilePair,
  jobs: Iterable<FileJob>,
  progress: PlaintextProgress,
  pool: FramePool | undefined,
  parallel: ResolvedParallel | undefined,
): Promise<void> {
  const done = (job: FileJob) => progress.addJob(job, slot.frameLength);
  if (!pool || !parallel) return runFileJobsInline(direction, slot, files, jobs, done);
  pool.installKey(0, slot.suite.id, slot.key, slot.messageId, slot.frameLength);
  slot.key.fill(0);
  const type = direction === 'seal' ? 'seal-file' : 'open-file';
  await runJobs(jobs, parallel.maxJobsInFlight, async (job) => {
    await pool.file(type, 0, files, job);
    done(job);
  });
}
