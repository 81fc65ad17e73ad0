/**
 * KMS server throughput: GenerateDataKey and Decrypt over loopback HTTP (keep-alive), at 8 and 32
 * connections, against each server mode and against the ceiling of a bare node:http server answering
 * canned responses. Each target runs in its own process; every cell is measured for every target in
 * turn, `KMS_BENCH_ROUNDS` times, and each ratio is taken against the ceiling of the same round.
 *
 *   node_modules/.bin/tsx --conditions=@envelope/source bench/kms-server.ts
 *
 * The client is `raw` by default: node:http sending the bytes @aws-sdk/client-kms sends (the same
 * headers, a SigV4-shaped Authorization, the JSON body), because the SDK itself costs more CPU per call
 * than either server and on a small machine it, not the server, sets the pace (`KMS_BENCH_CLIENT=sdk`
 * uses @aws-sdk/client-kms).
 *
 * Env: KMS_BENCH_SECONDS (per cell, default 2), KMS_BENCH_ROUNDS (default 5), KMS_BENCH_MODES (comma
 * list), KMS_BENCH_CLIENT (raw | sdk), KMS_BENCH_CPU_PROF=1 (writes .cpuprofile files of the targets
 * into bench/profiles/<mode>/), KMS_BENCH_BASELINE_ROOT (another checkout: a mode `base:<mode>` runs
 * <mode> from there, interleaved with this checkout's targets, for A/B runs of two versions). A mode
 * `dist:<mode>` (also `base:dist:<mode>`) runs the server from the packages' built `dist/` (plain
 * JavaScript, what `envelope kms serve` runs) instead of their TypeScript sources through tsx; the
 * bench builds those packages (`tsc -p tsconfig.build.json`) in that checkout first.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

const SECONDS = Number(process.env.KMS_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.KMS_BENCH_ROUNDS ?? 5);
const CLIENT = process.env.KMS_BENCH_CLIENT ?? 'raw';
const MODES = (
  process.env.KMS_BENCH_MODES ?? 'ceiling,listener,memory,dist:memory,sqlite-normal,sqlite-full'
).split(',');
const CONCURRENCY = [8, 32];
const OPERATIONS = ['GenerateDataKey', 'Decrypt'] as const;
const root = fileURLToPath(new URL('..', import.meta.url));
const BASELINE_ROOT = process.env.KMS_BENCH_BASELINE_ROOT;
if (!BASELINE_ROOT && MODES.some((mode) => mode.startsWith('base:'))) {
  throw new Error('KMS_BENCH_MODES names a base:<mode>; set KMS_BENCH_BASELINE_ROOT to that checkout');
}

interface Target {
  url: string;
  keyId: string;
  ciphertext: string;
  child: ChildProcess;
}

/** `[base:][dist:]<mode>` → where it runs from, whether from the built packages, and the target mode. */
function parseMode(mode: string): { baseline: boolean; built: boolean; target: string } {
  const baseline = mode.startsWith('base:');
  const rest = baseline ? mode.slice('base:'.length) : mode;
  const built = rest.startsWith('dist:');
  return { baseline, built, target: built ? rest.slice('dist:'.length) : rest };
}

async function startTarget(mode: string): Promise<Target> {
  // `base:<mode>` runs <mode> from the checkout in KMS_BENCH_BASELINE_ROOT (A/B against other code);
  // `dist:<mode>` runs the packages' built dist/ (what `envelope kms serve` runs), not their sources.
  const { baseline, built, target } = parseMode(mode);
  const cwd = baseline ? `${BASELINE_ROOT}/` : root;
  const prof = process.env.KMS_BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${root}bench/profiles/${mode.replaceAll(':', '-')}`]
    : [];
  const child = spawn(
    process.execPath,
    [
      ...prof,
      '--import',
      'tsx',
      ...(built ? [] : ['--conditions=@envelope/source']),
      'bench/kms-server-target.ts',
      target,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'inherit'] },
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
  round: number;
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

/** One call of `operation` through @aws-sdk/client-kms. */
function sdkCaller(target: Target, operation: string, httpAgent: Agent): () => Promise<unknown> {
  const kms = new KMSClient({
    endpoint: target.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
    requestHandler: { httpAgent },
    maxAttempts: 1,
  });
  const ciphertext = Buffer.from(target.ciphertext, 'base64');
  return () =>
    operation === 'Decrypt'
      ? kms.send(new DecryptCommand({ CiphertextBlob: ciphertext }))
      : kms.send(new GenerateDataKeyCommand({ KeyId: target.keyId, KeySpec: 'AES_256' }));
}

/**
 * One call of `operation` as the bytes the SDK puts on the wire (its headers, a SigV4-shaped
 * Authorization header that the unsigned bench servers read the region from, the same JSON), with
 * none of the SDK's CPU cost. A non-200 answer counts as an error.
 */
function rawCaller(target: Target, operation: string, agent: Agent): () => Promise<unknown> {
  const url = new URL(target.url);
  const body = Buffer.from(
    JSON.stringify(
      operation === 'Decrypt'
        ? { CiphertextBlob: target.ciphertext }
        : { KeyId: target.keyId, KeySpec: 'AES_256' },
    ),
  );
  const headers = {
    host: url.host,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `TrentService.${operation}`,
    'x-amz-user-agent': 'aws-sdk-js/3 bench',
    'user-agent': 'aws-sdk-js/3 bench',
    'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000',
    'amz-sdk-request': 'attempt=1; max=1',
    'x-amz-date': '20260101T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/kms/aws4_request, ' +
      'SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent, ' +
      `Signature=${'0'.repeat(64)}`,
    'content-length': String(body.length),
  };
  return () =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/', headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

async function measure(
  target: Target,
  mode: string,
  operation: string,
  concurrency: number,
  round: number,
): Promise<Cell> {
  const httpAgent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const call =
    CLIENT === 'sdk' ? sdkCaller(target, operation, httpAgent) : rawCaller(target, operation, httpAgent);

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
  httpAgent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    round,
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

/** The server's packages in build order, for `dist:` modes. */
const SERVER_PACKAGES = ['core', 'kms-emulator', 'kms-protocols', 'kms-server'];
for (const checkout of new Set(
  MODES.filter((m) => parseMode(m).built).map((m) => (parseMode(m).baseline ? `${BASELINE_ROOT}/` : root)),
)) {
  for (const name of SERVER_PACKAGES) {
    execFileSync(`${root}node_modules/.bin/tsc`, ['-p', `packages/${name}/tsconfig.build.json`], {
      cwd: checkout,
      stdio: 'inherit',
    });
  }
}

// All targets run side by side; each cell is measured for every target in turn, so slow drift of the
// machine (other processes, thermal) affects the ceiling and the servers alike.
const targets = new Map<string, Target>();
const cells: Cell[] = [];
try {
  for (const mode of MODES) targets.set(mode, await startTarget(mode));
  for (let round = 0; round < ROUNDS; round++) {
    for (const operation of OPERATIONS) {
      for (const concurrency of CONCURRENCY) {
        for (const [mode, target] of targets) {
          cells.push(await measure(target, mode, operation, concurrency, round));
        }
      }
    }
  }
} finally {
  await Promise.all([...targets.values()].map(stopTarget));
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const cellsOf = (mode: string, operation: string, concurrency: number) =>
  cells.filter((c) => c.mode === mode && c.operation === operation && c.concurrency === concurrency);
const ceilingOf = (c: Cell) =>
  cells.find(
    (x) =>
      x.mode === 'ceiling' &&
      x.round === c.round &&
      x.operation === c.operation &&
      x.concurrency === c.concurrency,
  );

// Detail: the median over the rounds of each figure.
const detail: string[][] = [];
for (const mode of MODES) {
  for (const operation of OPERATIONS) {
    for (const concurrency of CONCURRENCY) {
      const runs = cellsOf(mode, operation, concurrency);
      if (runs.length === 0) continue;
      const ratios = runs.flatMap((c) => {
        const base = ceilingOf(c);
        return base ? [c.rps / base.rps] : [];
      });
      detail.push([
        mode,
        operation,
        String(concurrency),
        median(runs.map((c) => c.rps)).toFixed(0),
        median(runs.map((c) => c.p50)).toFixed(2),
        median(runs.map((c) => c.p99)).toFixed(2),
        ratios.length
          ? `${Math.min(...ratios).toFixed(2)} / ${median(ratios).toFixed(2)} / ${Math.max(...ratios).toFixed(2)}×`
          : '-',
        median(runs.map((c) => c.serverCpuUs)).toFixed(0),
        String(runs.reduce((n, c) => n + c.errors, 0)),
      ]);
    }
  }
}
const line = (widths: number[]) => (r: string[]) =>
  `| ${r.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
const print = (head: string[], rows: string[][]) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(line(widths)(head));
  console.log(line(widths)(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(widths)(r));
};
console.log(
  `node ${process.version}, ${CLIENT === 'sdk' ? '@aws-sdk/client-kms' : 'raw node:http'} client, ` +
    `${SECONDS}s per cell × ${ROUNDS} rounds, client and each target in separate processes; ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min) at the end`,
);
print(
  [
    'target',
    'operation',
    'conn',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs ceiling min / median / max',
    'server CPU µs/req',
    'errors',
  ],
  detail,
);

// Targets (issue #15): per round, the geometric mean of the GenerateDataKey and Decrypt ratios to the
// ceiling in that round; min / median / max over the rounds; a target holds when its median meets it.
const TARGETS = [
  { mode: 'memory', label: 'in-memory', goal: 0.5 },
  { mode: 'sqlite-normal', label: 'durable (SQLite)', goal: 0.4 },
];
const targetRows: string[][] = [];
// Each target is judged on the sources (through tsx) and, when measured, on the built dist/, and so is
// the baseline checkout's server in an A/B run.
const judged = TARGETS.flatMap((t) =>
  ['', 'dist:', 'base:', 'base:dist:'].map((prefix) => ({
    ...t,
    mode: `${prefix}${t.mode}`,
    label: prefix ? `${t.label} (${prefix.slice(0, -1)})` : t.label,
  })),
);
for (const { mode, label, goal } of judged) {
  if (!MODES.includes(mode) || !MODES.includes('ceiling')) continue;
  for (const concurrency of CONCURRENCY) {
    const perRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ratios = OPERATIONS.map((operation) => {
        const c = cells.find(
          (x) =>
            x.mode === mode &&
            x.round === round &&
            x.operation === operation &&
            x.concurrency === concurrency,
        );
        const base = c && ceilingOf(c);
        return c && base && c.errors === 0 ? c.rps / base.rps : 0;
      });
      perRound.push(Math.sqrt(ratios[0]! * ratios[1]!));
    }
    const m = median(perRound);
    targetRows.push([
      `${label} at ${concurrency} connections vs node:http`,
      `≥ ${goal}×`,
      `${Math.min(...perRound).toFixed(2)}×`,
      `${m.toFixed(2)}×`,
      `${Math.max(...perRound).toFixed(2)}×`,
      m >= goal ? 'holds' : 'does not hold',
    ]);
  }
}
if (targetRows.length) {
  console.log('\nTargets (issue #15): req/s vs the bare node:http ceiling in the same round');
  console.log('(geometric mean of GenerateDataKey and Decrypt; every call audited in its transaction)');
  print(['target', 'goal', 'min', 'median', 'max', 'median meets goal'], targetRows);
}
