/**
 * KMS server throughput: GenerateDataKey and Decrypt through @aws-sdk/client-kms over loopback HTTP
 * (keep-alive), at concurrency 1 and 32, against each server mode and against the ceiling of a bare
 * node:http server answering canned responses. Each target runs in its own process.
 *
 *   node_modules/.bin/tsx --conditions=@envelope/source bench/kms-server.ts
 *
 * Env: KMS_BENCH_SECONDS (per cell, default 3.5), KMS_BENCH_MODES (comma list), KMS_BENCH_CPU_PROF=1
 * (writes .cpuprofile files of the targets into bench/profiles/<mode>/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

const SECONDS = Number(process.env.KMS_BENCH_SECONDS ?? 3.5);
const MODES = (process.env.KMS_BENCH_MODES ?? 'ceiling,sqlite-normal,sqlite-full,memory').split(',');
const CONCURRENCY = [1, 32];
const OPERATIONS = ['GenerateDataKey', 'Decrypt'] as const;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Target {
  url: string;
  keyId: string;
  ciphertext: string;
  child: ChildProcess;
}

async function startTarget(mode: string): Promise<Target> {
  const prof = process.env.KMS_BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${root}bench/profiles/${mode}`]
    : [];
  const child = spawn(
    process.execPath,
    [...prof, '--import', 'tsx', '--conditions=@envelope/source', 'bench/kms-server-target.ts', mode],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`target ${mode} exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as Omit<Target, 'child'>), child };
}

async function stopTarget(target: Target): Promise<void> {
  const exited = new Promise((resolve) => target.child.once('exit', resolve));
  target.child.kill('SIGTERM');
  await exited;
}

interface Cell {
  mode: string;
  operation: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU time (user + system) per request, in microseconds. */
  serverCpuUs: number;
}

/** CPU seconds used so far by a process (Linux /proc; 0 elsewhere). Clock ticks are 1/100 s. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function measure(target: Target, mode: string, operation: string, concurrency: number): Promise<Cell> {
  const httpAgent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const kms = new KMSClient({
    endpoint: target.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
    requestHandler: { httpAgent },
    maxAttempts: 1,
  });
  const ciphertext = Buffer.from(target.ciphertext, 'base64');
  const call = () =>
    operation === 'Decrypt'
      ? kms.send(new DecryptCommand({ CiphertextBlob: ciphertext }))
      : kms.send(new GenerateDataKeyCommand({ KeyId: target.keyId, KeySpec: 'AES_256' }));

  const run = async (ms: number, latencies?: number[]) => {
    let errors = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          try {
            await call();
          } catch {
            errors++;
          }
          latencies?.push(performance.now() - started);
        }
      }),
    );
    return errors;
  };
  await run(400); // warm-up: connections, JIT
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(target.child.pid);
  const started = performance.now();
  const errors = await run(SECONDS * 1000, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const serverCpuUs = ((cpuSeconds(target.child.pid) - cpuBefore) * 1e6) / Math.max(1, latencies.length);
  kms.destroy();
  httpAgent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    mode,
    operation,
    concurrency,
    rps: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    serverCpuUs,
  };
}

// All targets run side by side; each cell is measured for every target in turn, so slow drift of the
// machine (other processes, thermal) affects the ceiling and the servers alike.
const targets = new Map<string, Target>();
const cells: Cell[] = [];
try {
  for (const mode of MODES) targets.set(mode, await startTarget(mode));
  for (const operation of OPERATIONS) {
    for (const concurrency of CONCURRENCY) {
      for (const [mode, target] of targets) cells.push(await measure(target, mode, operation, concurrency));
    }
  }
} finally {
  await Promise.all([...targets.values()].map(stopTarget));
}
cells.sort((a, b) => MODES.indexOf(a.mode) - MODES.indexOf(b.mode));

const ceiling = (c: Cell) =>
  cells.find((x) => x.mode === 'ceiling' && x.operation === c.operation && x.concurrency === c.concurrency);
const rows = cells.map((c) => {
  const base = ceiling(c);
  return [
    c.mode,
    c.operation,
    String(c.concurrency),
    c.rps.toFixed(0),
    c.p50.toFixed(2),
    c.p99.toFixed(2),
    base ? `${((100 * c.rps) / base.rps).toFixed(0)}%` : '-',
    c.serverCpuUs.toFixed(0),
    String(c.errors),
  ];
});
const head = [
  'target',
  'operation',
  'conc',
  'req/s',
  'p50 ms',
  'p99 ms',
  'vs ceiling',
  'server CPU µs/req',
  'errors',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`node ${process.version}, ${SECONDS}s per cell, client and each target in separate processes`);
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
