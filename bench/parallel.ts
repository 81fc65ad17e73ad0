/**
 * The parallel mode (frames on worker threads) against the single-thread path, same process, same
 * run, same 256 MiB+ stream through encryptStream / decryptStream. WALL time, not CPU time: the point
 * of the mode is to use more cores, so the CPU time of the process is expected to grow, not shrink.
 * The CPU seconds of each side (process.cpuUsage: every thread, workers and GC included) are printed
 * too, so what the pool costs beyond the cipher itself stays visible.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { decryptStream, encryptStream, type ParallelOptions, RawAesKeyring, SuiteId } from '@envelope/core';
import { mbPerSecond, table } from './measure.js';

const MiB = 1024 * 1024;
export const PARALLEL_BYTES = Number(process.env.BENCH_PARALLEL_BYTES ?? 256 * MiB);
export const PARALLEL_RUNS = Number(process.env.BENCH_PARALLEL_RUNS ?? 3);
const keyring = new RawAesKeyring({
  keyNamespace: 'bench',
  keyName: 'parallel',
  wrappingKey: randomBytes(32),
});

/** `total` bytes of plaintext in 1 MiB chunks (one random chunk repeated), as a file read gives them. */
function plaintextSource(total: number): Readable {
  const chunk = randomBytes(MiB);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < total; sent += chunk.length)
        yield chunk.subarray(0, Math.min(MiB, total - sent));
    })(),
  );
}

async function drain(stream: AsyncIterable<Buffer>, keep?: Buffer[]): Promise<number> {
  let bytes = 0;
  for await (const part of stream) {
    bytes += part.length;
    keep?.push(part);
  }
  return bytes;
}

type Mode = false | ParallelOptions;

/**
 * The workers run the built worker script when there is one (what an installed package or the CLI
 * runs); the workspace sources would make each worker compile TypeScript through tsx as it starts.
 * `pnpm bench` and `pnpm bench:docs` build @envelope/core first, so that worker is never stale.
 */
const BUILT_WORKER = new URL('../packages/core/dist/parallel/frame-worker.js', import.meta.url);
export const WORKER_SCRIPT = existsSync(BUILT_WORKER)
  ? 'built dist/ worker'
  : 'workspace-source worker (tsx)';

interface Timed {
  /** Wall time. */
  readonly ms: number;
  /** CPU time of the whole process (all threads). */
  readonly cpuMs: number;
}

async function timed(run: () => Promise<unknown>): Promise<Timed> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000 };
}

function encryptMs(suiteId: number, parallel: Mode, keep?: Buffer[]): Promise<Timed> {
  return timed(() =>
    drain(plaintextSource(PARALLEL_BYTES).pipe(encryptStream({ keyring, suiteId, parallel })), keep),
  );
}

function decryptMs(ciphertext: readonly Buffer[], parallel: Mode): Promise<Timed> {
  return timed(async () => {
    const bytes = await drain(Readable.from(ciphertext).pipe(decryptStream({ keyring, parallel })));
    if (bytes !== PARALLEL_BYTES) throw new Error('parallel bench: decrypt lost bytes');
  });
}

export interface ParallelRun {
  readonly singleEncMs: number;
  readonly parallelEncMs: number;
  readonly singleDecMs: number;
  readonly parallelDecMs: number;
  /** CPU milliseconds of the same four passes (all threads of the process). */
  readonly singleEncCpuMs: number;
  readonly parallelEncCpuMs: number;
  readonly singleDecCpuMs: number;
  readonly parallelDecCpuMs: number;
}

/**
 * One run for `suiteId`: single-thread and parallel encrypt alternate, then the two decrypts of the
 * same message, so a burst of other load on the shared machine tends to hit both sides.
 */
export async function parallelRuns(suiteId: number, runs: number): Promise<ParallelRun[]> {
  const parallel: ParallelOptions = {
    workers: availableParallelism(),
    ...(existsSync(BUILT_WORKER) ? { workerUrl: BUILT_WORKER } : {}),
  };
  const ciphertext: Buffer[] = [];
  await encryptMs(suiteId, false, ciphertext); // the message the decrypts read, and a warm-up
  await decryptMs(ciphertext, parallel); // warm-up of the worker path
  const out: ParallelRun[] = [];
  for (let run = 0; run < runs; run++) {
    const singleEnc = await encryptMs(suiteId, false);
    const parallelEnc = await encryptMs(suiteId, parallel);
    const singleDec = await decryptMs(ciphertext, false);
    const parallelDec = await decryptMs(ciphertext, parallel);
    out.push({
      singleEncMs: singleEnc.ms,
      parallelEncMs: parallelEnc.ms,
      singleDecMs: singleDec.ms,
      parallelDecMs: parallelDec.ms,
      singleEncCpuMs: singleEnc.cpuMs,
      parallelEncCpuMs: parallelEnc.cpuMs,
      singleDecCpuMs: singleDec.cpuMs,
      parallelDecCpuMs: parallelDec.cpuMs,
    });
  }
  return out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[], format: (v: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${format(sorted[0]!)} / ${format(median(sorted))} / ${format(sorted.at(-1)!)}`;
};

export function loadNote(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} on ${availableParallelism()} CPUs`;
}

export async function parallelBench(): Promise<string> {
  const before = loadNote();
  const rows: string[][] = [];
  for (const [name, suiteId] of [
    ['0x0478', SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY],
    ['0x0578', SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
  ] as const) {
    const runs = await parallelRuns(suiteId, PARALLEL_RUNS);
    const mb = (ms: number) => mbPerSecond(PARALLEL_BYTES, ms).toFixed(0);
    const x = (v: number) => `${v.toFixed(2)}×`;
    const s = (ms: number) => (ms / 1000).toFixed(2);
    for (const [direction, single, parallel, singleCpu, parallelCpu] of [
      [
        'encrypt',
        runs.map((r) => r.singleEncMs),
        runs.map((r) => r.parallelEncMs),
        runs.map((r) => r.singleEncCpuMs),
        runs.map((r) => r.parallelEncCpuMs),
      ],
      [
        'decrypt',
        runs.map((r) => r.singleDecMs),
        runs.map((r) => r.parallelDecMs),
        runs.map((r) => r.singleDecCpuMs),
        runs.map((r) => r.parallelDecCpuMs),
      ],
    ] as const) {
      rows.push([
        `${name} ${direction}`,
        mb(median(single)),
        mb(median(parallel)),
        range(
          runs.map((_, i) => single[i]! / parallel[i]!),
          x,
        ),
        `${s(median(singleCpu))} / ${s(median(parallelCpu))}`,
      ]);
    }
  }
  return [
    table(
      [
        'stream',
        'one thread MB/s',
        `${availableParallelism()} workers MB/s`,
        'speed-up min / median / max',
        'CPU s one thread / workers (median)',
      ],
      rows,
    ),
    '',
    `${PARALLEL_RUNS} runs of ${PARALLEL_BYTES / MiB} MiB, wall time, pool start-up included (${WORKER_SCRIPT}); CPU s = process CPU (every thread: main, workers, GC) per pass; ${before} before, ${loadNote()} after.`,
  ].join('\n');
}
