/**
 * The C allocator's share of a frame's cost: raw AES-GCM over 64 KiB frames in a fresh process,
 * with glibc's defaults and after retainFreedMemory() (@envelope/core), which the CLI calls and the
 * file rows of the targets and parallel sections run with. Each pass is a process of its own, since
 * retainFreedMemory cannot be undone; the two alternate, which goes first alternating by pair.
 */
import { type AllocatorPass, FRAME, FRAMES, WARM_FRAMES } from './allocator-child.js';
import { benchChild, mbPerSecond, table } from './measure.js';
import { loadNote, median, range } from './parallel.js';

const MiB = 1024 * 1024;
const PAIRS = Number(process.env.BENCH_ALLOCATOR_PAIRS ?? 5);

const pass = (retain: boolean): AllocatorPass =>
  JSON.parse(benchChild('./allocator-child.ts', retain ? ['retain'] : [])) as AllocatorPass;

export function allocatorBench(): string {
  const before = loadNote();
  const passes = { default: [] as AllocatorPass[], retained: [] as AllocatorPass[] };
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const retain of pair % 2 === 0 ? [false, true] : [true, false]) {
      passes[retain ? 'retained' : 'default'].push(pass(retain));
    }
  }
  const bytes = FRAMES * FRAME;
  const row = (label: string, list: AllocatorPass[]) => [
    label,
    range(
      list.map((p) => mbPerSecond(bytes, p.ms)),
      (v) => v.toFixed(0),
    ),
    median(list.map((p) => p.faults / (bytes / MiB))),
  ];
  return `${table(
    [
      `raw aes-256-gcm, ${FRAME / 1024} KiB frames, ${bytes / MiB} MiB after ${(WARM_FRAMES * FRAME) / MiB} MiB untimed, a fresh process per pass`,
      'MB/s min / median / max',
      'page faults per MiB (median)',
    ],
    [row("glibc's defaults", passes.default), row('after retainFreedMemory()', passes.retained)],
  )}

${PAIRS} passes each, alternating, one thread, wall time; ${before} before, ${loadNote()} after.`;
}
