/**
 * Load harness for the durable KMS server (docs/reliability.md): concurrent SDK clients running a
 * mix of operations, slow connections held open beside them, and health probes that must stay fast,
 * while the server's RSS is sampled. The server runs in its own process (sqlite, synchronous NORMAL).
 *
 *   pnpm load                 # short setting (as in CI: test/load.test.ts)
 *   LOAD_LONG=1 pnpm load     # 60 s, 64 clients, 4,000 slow connections
 *   LOAD_SECONDS=600 LOAD_MODE=memory pnpm load   # override the duration / the server's store
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListKeysCommand,
} from '@aws-sdk/client-kms';

export interface LoadSettings {
  readonly seconds: number;
  readonly clients: number;
  readonly slowConnections: number;
  /** Server store: `sqlite-normal` (default) or `memory` (bench/kms-server-target.ts modes). */
  readonly mode?: string;
}

export const SHORT: LoadSettings = { seconds: 8, clients: 8, slowConnections: 500 };
export const LONG: LoadSettings = { seconds: 60, clients: 64, slowConnections: 4000 };

export interface LoadReport {
  readonly settings: LoadSettings;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly unexpectedErrors: number;
  readonly errorSamples: string[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly probes: number;
  readonly probeFailures: number;
  readonly probeP50Ms: number;
  readonly probeP99Ms: number;
  readonly probeMaxMs: number;
  /** Slow connections open at the end of the run (reopened when the server times one out). */
  readonly slowOpenAtEnd: number;
  readonly slowOpened: number;
  readonly rssStartMb: number;
  readonly rssMaxMb: number;
  /** RSS just before the server is stopped. */
  readonly rssEndMb: number;
  /** RSS at each tenth of the run, to see whether it levels off. */
  readonly rssTimelineMb: number[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

export async function runLoad(settings: LoadSettings): Promise<LoadReport> {
  const target = await startServer(settings.mode ?? 'sqlite-normal');
  const stopAt = performance.now() + settings.seconds * 1000;
  const running = () => performance.now() < stopAt;
  const rss = () => rssMb(target.child.pid!);
  const rssStartMb = rss();
  let rssMaxMb = rssStartMb;
  const rssTimelineMb: number[] = [];
  const sampler = setInterval(() => {
    rssMaxMb = Math.max(rssMaxMb, rss());
  }, 250);
  const timeline = setInterval(() => rssTimelineMb.push(rss()), (settings.seconds * 1000) / 10);

  try {
    const slow = holdSlowConnections(target.url, settings.slowConnections, running);
    await slow.ready;
    const [load, probes] = await Promise.all([
      mixedLoad(target, settings.clients, running),
      probeHealth(target.url, stopAt - performance.now()),
    ]);
    const slowOpenAtEnd = slow.open();
    slow.close();
    return {
      settings,
      calls: load.latencies.length,
      callsPerSecond: Math.round(load.latencies.length / settings.seconds),
      unexpectedErrors: load.errors.length,
      errorSamples: [...new Set(load.errors)].slice(0, 5),
      ...percentiles('', load.latencies),
      probes: probes.latencies.length + probes.failures,
      probeFailures: probes.failures,
      ...percentiles('probe', probes.latencies),
      probeMaxMs: round(Math.max(0, ...probes.latencies)),
      slowOpenAtEnd,
      slowOpened: slow.opened(),
      rssStartMb,
      rssMaxMb: Math.max(rssMaxMb, rss()),
      rssEndMb: rss(),
      rssTimelineMb,
    } as LoadReport;
  } finally {
    clearInterval(sampler);
    clearInterval(timeline);
    target.child.kill('SIGTERM');
    await new Promise((resolve) => target.child.once('exit', resolve));
  }
}

interface Target {
  url: string;
  keyId: string;
  child: ChildProcess;
}

async function startServer(mode: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@envelope/source', 'bench/kms-server-target.ts', mode],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`load target exited with ${code}`)));
  });
  const { url, keyId } = JSON.parse(line) as { url: string; keyId: string };
  return { url, keyId, child };
}

/** Each client loops over a mix of reads and writes; any error is unexpected. */
async function mixedLoad(target: Target, clients: number, running: () => boolean) {
  const kms = new KMSClient({
    endpoint: target.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOAD', secretAccessKey: 'load' },
    maxAttempts: 1, // an error is counted, not hidden by a retry
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: clients }) },
  });
  const latencies: number[] = [];
  const errors: string[] = [];
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    try {
      await call();
      latencies.push(performance.now() - started);
    } catch (error) {
      errors.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  const client = async (c: number) => {
    for (let i = 0; running(); i++) {
      const step = (c + i) % 10;
      if (step < 4) {
        let blob: Uint8Array | undefined;
        await timed(async () => {
          blob = (await kms.send(new GenerateDataKeyCommand({ KeyId: target.keyId, KeySpec: 'AES_256' })))
            .CiphertextBlob;
        });
        if (blob) await timed(() => kms.send(new DecryptCommand({ CiphertextBlob: blob })));
      } else if (step < 7) {
        await timed(() =>
          kms.send(new EncryptCommand({ KeyId: target.keyId, Plaintext: Buffer.from(`load ${c} ${i}`) })),
        );
      } else if (step < 9) {
        await timed(() => kms.send(new DescribeKeyCommand({ KeyId: target.keyId })));
      } else if (i % 50 === 9) {
        await timed(() => kms.send(new CreateKeyCommand({ Description: 'load' })));
      } else {
        await timed(() => kms.send(new ListKeysCommand({ Limit: 10 })));
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  kms.destroy();
  return { latencies, errors };
}

/**
 * GET /health on a fresh connection every 100 ms, from a process of its own: in the load
 * generator's busy event loop a probe would time the client's queueing, not the server.
 */
const PROBE_SCRIPT = `
import { request } from 'node:http';
const [host, port, ms] = process.argv.slice(1);
const stopAt = performance.now() + Number(ms);
const latencies = [];
let failures = 0;
while (performance.now() < stopAt) {
  const started = performance.now();
  const ok = await new Promise((resolve) => {
    const req = request({ host, port, path: '/health', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
  if (ok) latencies.push(performance.now() - started);
  else failures++;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
process.stdout.write(JSON.stringify({ latencies, failures }));
`;

async function probeHealth(url: string, ms: number): Promise<{ latencies: number[]; failures: number }> {
  const { hostname, port } = new URL(url);
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', PROBE_SCRIPT, hostname, port, String(ms)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Slowloris: `count` connections that send part of their headers and then one byte now and again.
 * The server's header timeout closes them; each is reopened at once, so `count` stay open.
 */
function holdSlowConnections(url: string, count: number, running: () => boolean) {
  const { hostname, port } = new URL(url);
  const sockets = new Set<Socket>();
  let opened = 0;
  let closed = false;
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`POST / HTTP/1.1\r\nhost: ${hostname}\r\nx-slow: `);
        resolve();
      });
      opened++;
      sockets.add(socket);
      const drip = setInterval(() => socket.write('a'), 2000);
      socket.on('error', () => {});
      socket.once('close', () => {
        clearInterval(drip);
        sockets.delete(socket);
        resolve();
        if (!closed && running()) setTimeout(() => void open(), 50);
      });
    });
  const ready = (async () => {
    for (let i = 0; i < count; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - i) }, open));
    }
  })();
  return {
    ready,
    open: () => sockets.size,
    opened: () => opened,
    close() {
      closed = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function percentiles(prefix: '' | 'probe', values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return prefix ? { probeP50Ms: at(0.5), probeP99Ms: at(0.99) } : { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const round = (n: number) => Math.round(n * 100) / 100;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const base = process.env.LOAD_LONG === '1' ? LONG : SHORT;
  const settings: LoadSettings = {
    ...base,
    ...(process.env.LOAD_SECONDS ? { seconds: Number(process.env.LOAD_SECONDS) } : {}),
    ...(process.env.LOAD_MODE ? { mode: process.env.LOAD_MODE } : {}),
  };
  const report = await runLoad(settings);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (report.unexpectedErrors > 0 || report.probeFailures > 0) process.exitCode = 1;
}
