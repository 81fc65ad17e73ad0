import { setImmediate as turn } from 'node:timers/promises';
import type { FilePair } from './file-io.js';
import { FileJobRunner } from './file-jobs.js';
import type { FileJob } from './file-layout.js';
import type { SlotKey } from './frame-seal.js';

/**
 * The file mode on one thread: the very jobs the workers would run (FileJobRunner: positional reads
 * of a run of whole frames, seal or open, positional write), run here one after another. Each job
 * finishes before the next starts, so on decrypt a run's plaintext is written only once every frame
 * of it authenticated, as in a worker. Between jobs the event loop turns once (≈ 1 MiB of work per
 * job), so signals and timers are served during a long file. `onJobDone` is told of each job once
 * its output is written.
 */
export async function runFileJobsInline(
  direction: 'seal' | 'open',
  slot: SlotKey,
  files: FilePair,
  jobs: Iterable<FileJob>,
  onJobDone?: (job: FileJob) => void,
): Promise<void> {
  const runner = new FileJobRunner();
  for (const job of jobs) {
    const io = { ...job, input: files.input, output: files.output };
    if (direction === 'seal') runner.seal(slot, io);
    else runner.open(slot, io);
    onJobDone?.(job);
    await turn();
  }
}
