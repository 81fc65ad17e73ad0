/**
 * `pnpm bench`: every figure is measured against a baseline in the same run. Set BENCH_ONLY to a
 * comma-separated subset of: targets, scaling, throughput, frames, chunks, rewrap, parallel, allocator, fleet, rss, list, clouds, kms.
 * `pnpm bench:docs` runs all but fleet, list and clouds and writes docs/performance.md (BENCH_DOC names the file).
 * BENCH_ONLY=targets BENCH_TARGETS=small runs only the 1 KiB rows of the targets, BENCH_TARGETS=mib only the 1 MiB rows.
 */
import { writeFileSync } from 'node:fs';
import { allocatorBench } from './allocator.js';
import { chunkingBench } from './chunking.js';
import { cloudsBench } from './clouds.js';
import { fleetBench } from './fleet.js';
import { listBench } from './list.js';
import { benchChild } from './measure.js';
import { FILE_BYTES, PARALLEL_BYTES, parallelBench, sizeLabel } from './parallel.js';
import { machine, performanceDoc, SECTION_NOTES } from './performance-doc.js';
import { rewrapBench } from './rewrap.js';
import { scalingBench } from './scaling.js';
import { targetsBench } from './targets.js';
import { frameLengthSweep, throughputBench } from './throughput.js';

const only = new Set(
  (
    process.env.BENCH_ONLY ??
    'targets,scaling,throughput,frames,chunks,rewrap,parallel,allocator,fleet,rss,list,clouds,kms'
  ).split(','),
);
const started = new Date();
const machineBefore = machine();
console.log(`Envelope benchmarks — Node ${process.version}, ${started.toISOString()}\n`);

const sections: { title: string; body: string }[] = [];
async function section(key: keyof typeof SECTION_NOTES, title: string, run: () => Promise<string> | string) {
  if (!only.has(key)) return;
  const body = await run();
  console.log(`## ${title}\n\n${body}\n`);
  sections.push({ title, body: `${body}\n\n${SECTION_NOTES[key]}` });
}

await section('targets', 'Targets (issue #15, one core): ratios against baselines in this run', targetsBench);
await section('scaling', 'Scaling: CPU cost of each public operation as its input grows', scalingBench);
await section('throughput', 'Buffer API throughput (median of runs; higher is better)', throughputBench);
await section('frames', '64 MiB, suite 0x0478, by frame length', frameLengthSweep);
await section(
  'chunks',
  'Streaming decrypt of 8 MiB, 4 MiB frames, by input chunk size (median; vs one chunk)',
  chunkingBench,
);
await section(
  'rewrap',
  'Rewrap of a 64 MiB message (new message, body re-encrypted in one pass)',
  rewrapBench,
);
await section(
  'parallel',
  `Parallel mode: ${sizeLabel(FILE_BYTES)} and ${sizeLabel(PARALLEL_BYTES)} files, ${sizeLabel(PARALLEL_BYTES)} streams, on worker threads vs one thread (wall time)`,
  parallelBench,
);
await section(
  'allocator',
  'The C allocator: raw AES-GCM in a fresh process, with and without retainFreedMemory()',
  allocatorBench,
);
await section(
  'fleet',
  'Fleet rotation: 10,000 × 4 KiB and 8 × 256 MiB messages to a new AWS KMS key (in-process emulator)',
  fleetBench,
);
await section('rss', 'Memory: streaming 1 GiB through encryptStream → decryptStream (separate process)', () =>
  benchChild('./stream-rss.ts'),
);
await section(
  'list',
  'KMS list operations: first page at 1k, 10k and 100k keys (keyset pagination, ms per call)',
  listBench,
);
await section(
  'clouds',
  'Each cloud through its official client against one emulator server (Encrypt + Decrypt rounds/s, 8 in flight)',
  cloudsBench,
);

await section(
  'kms',
  'KMS server: requests per second vs a bare node:http ceiling, and the server targets of issue #15',
  () => benchChild('./kms-server.ts'),
);

if (process.env.BENCH_DOC) {
  writeFileSync(process.env.BENCH_DOC, performanceDoc(started, machineBefore, machine(), sections));
  console.log(`Wrote ${process.env.BENCH_DOC}`);
}
