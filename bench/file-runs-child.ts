/**
 * Runs the file → file rows in a process of their own (as the CLI runs: a fresh process, after
 * retainFreedMemory()), and prints them as JSON. In the benchmark's own process, after the stream
 * rows, the one-thread path measured 2–3× its fresh-process CPU (heap left behind by earlier
 * sections), which would flatter the file mode.
 */
import { retainFreedMemory } from '@envelope/core';
import { fileRuns } from './parallel.js';

const [suiteId, runs, bytes] = process.argv.slice(2).map(Number);
// As the CLI does before encrypt, decrypt and rewrap (see allocator.ts): in both columns alike.
await retainFreedMemory();
process.stdout.write(JSON.stringify(await fileRuns(suiteId!, runs!, bytes!)));
