/**
 * `pnpm bench`: every figure is measured against a baseline in the same run. Set BENCH_ONLY to a
 * comma-separated subset of: targets, scaling, throughput, frames, chunks, rewrap, rss, kms.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chunkingBench } from './chunking.js';
import { rewrapBench } from './rewrap.js';
import { scalingBench } from './scaling.js';
import { targetsBench } from './targets.js';
import { frameLengthSweep, throughputBench } from './throughput.js';

const only = new Set(
  (process.env.BENCH_ONLY ?? 'targets,scaling,throughput,frames,chunks,rewrap,rss,kms').split(','),
);
console.log(`Envelope benchmarks — Node ${process.version}, ${new Date().toISOString()}\n`);

if (only.has('targets')) {
  console.log('## Targets (issue #15, one core): ratios against baselines in this run\n');
  console.log(await targetsBench());
  console.log();
}
if (only.has('scaling')) {
  console.log('## Scaling: CPU cost of each public operation as its input grows\n');
  console.log(await scalingBench());
  console.log();
}
if (only.has('throughput')) {
  console.log('## Buffer API throughput (median of runs; higher is better)\n');
  console.log(await throughputBench());
  console.log();
}
if (only.has('frames')) {
  console.log('## 64 MiB, suite 0x0478, by frame length\n');
  console.log(await frameLengthSweep());
  console.log();
}
if (only.has('chunks')) {
  console.log('## Streaming decrypt of 8 MiB, 4 MiB frames, by input chunk size (median; vs one chunk)\n');
  console.log(await chunkingBench());
  console.log();
}
if (only.has('rewrap')) {
  console.log('## Rewrap of a 64 MiB message (new message, body re-encrypted in one pass)\n');
  console.log(await rewrapBench());
  console.log();
}
if (only.has('rss')) {
  console.log('## Streaming 1 GiB through encryptStream → decryptStream (separate process)\n');
  const script = fileURLToPath(new URL('./stream-rss.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@envelope/source', script], {
    encoding: 'utf8',
  });
  console.log(out.trim());
}
if (only.has('kms')) {
  console.log(
    '\n## KMS server: requests per second through @aws-sdk/client-kms vs a bare node:http ceiling\n',
  );
  const script = fileURLToPath(new URL('./kms-server.ts', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@envelope/source', script], {
    stdio: 'inherit',
  });
}
