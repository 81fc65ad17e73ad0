import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateRandomCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../dist/envelope.mjs', import.meta.url));

interface Served {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  exit: Promise<number | null>;
}

/**
 * Starts `envelope kms serve` and waits for its "kms server ready" JSON log line on stderr (or the
 * first line saying `until`). `exit` resolves once stderr is read to its end.
 */
async function serve(args: string[], until = 'kms server ready'): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'kms', 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      logs.push(record);
      if (record.msg === until) resolve(record.url as string);
    });
    void exit.then((code) =>
      reject(new Error(`envelope kms serve exited with ${code}: ${JSON.stringify(logs)}`)),
    );
  });
  return { child, url, logs, exit };
}

describe('envelope kms serve (built binary)', () => {
  let dir: string;
  let rootKeyFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-kms-serve-'));
    rootKeyFile = join(dir, 'root.hex');
    await writeFile(rootKeyFile, randomBytes(32).toString('hex'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves the AWS SDK, keeps data across restarts, and exits 0 on SIGTERM after in-flight calls finish', async function () {
    this.timeout(30_000);
    const dataDir = join(dir, 'data');
    const args = [
      '--data-dir',
      dataDir,
      '--root-key-file',
      rootKeyFile,
      '--fault',
      '{"latency":{"ms":400,"operation":"GenerateRandom"}}',
    ];
    const first = await serve(args);
    // Each protocol endpoint's port is printed: in its own "listening" line and in the ready line.
    const ready = first.logs.find((l) => l.msg === 'kms server ready')!;
    const port = Number(new URL(first.url).port);
    expect(ready.endpoints).to.deep.equal({ 'aws-json': { url: first.url, port } });
    const listening = first.logs.filter((l) => l.msg === 'listening');
    expect(listening.map((l) => [l.endpoint, l.url])).to.deep.equal([['aws-json', first.url]]);
    const kms = new KMSClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' },
      maxAttempts: 1,
    });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'cli' }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/cli', TargetKeyId: KeyMetadata!.KeyId }));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: 'alias/cli', Plaintext: Buffer.from('hi') }),
    );

    const inFlight = kms.send(new GenerateRandomCommand({ NumberOfBytes: 8 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.child.kill('SIGTERM');
    expect((await inFlight).Plaintext).to.have.length(8);
    expect(await first.exit).to.equal(0);
    expect(first.logs.map((l) => l.msg)).to.include.members(['request', 'shutting down', 'stopped']);
    kms.destroy();

    const second = await serve(args);
    const again = new KMSClient({
      endpoint: second.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' },
    });
    const plain = await again.send(new DecryptCommand({ CiphertextBlob }));
    expect(Buffer.from(plain.Plaintext!).toString()).to.equal('hi');
    again.destroy();
    second.child.kill('SIGINT');
    expect(await second.exit).to.equal(0);
  });

  it('on SIGTERM cuts a stalled client after --drain-timeout, and accepts --allow-host names', async function () {
    this.timeout(30_000);
    const served = await serve(['--in-memory', '--drain-timeout', '300', '--allow-host', 'kms.internal']);
    const { hostname, port } = new URL(served.url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) =>
        request({ host: hostname, port, path: '/health', headers: { host }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end(),
      );
    expect(await status(`kms.internal:${port}`)).to.equal(200);
    expect(await status(`attacker.example:${port}`)).to.equal(403);
    const stalled = connect(Number(port), hostname);
    stalled.on('error', () => {});
    stalled.write(`POST / HTTP/1.1\r\nhost: ${hostname}\r\ncontent-length: 1000\r\n\r\n{`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    served.child.kill('SIGTERM');
    expect(await served.exit).to.equal(0);
    expect(performance.now() - started).to.be.lessThan(5000);
    expect(served.logs.map((l) => l.msg)).to.include(
      'drain deadline reached; closing connections with requests still in flight',
    );
    stalled.destroy();
  });

  it('logs shutting down and stopped once each on SIGTERM, however many faces it serves', async function () {
    this.timeout(30_000);
    // Two HTTP listeners (AWS JSON and GCP REST): each used to log its own unlabelled "stopped".
    const served = await serve(['--in-memory', '--gcp-rest-port', '0']);
    expect(served.logs.filter((l) => l.msg === 'listening')).to.have.length(2);
    served.child.kill('SIGTERM');
    expect(await served.exit).to.equal(0);
    const messages = served.logs.map((l) => l.msg);
    expect(messages.filter((m) => m === 'shutting down')).to.have.length(1);
    expect(messages.filter((m) => m === 'stopped')).to.have.length(1);
    expect(messages.at(-1)).to.equal('stopped');
  });

  it('on a SIGTERM while it is still starting, finishes starting, then stops gracefully (exit 0)', async function () {
    this.timeout(30_000);
    // The Azure face makes its TLS CA after the HTTP listeners are up: a window before "ready".
    const served = await serve(['--in-memory', '--gcp-rest-port', '0', '--azure-port', '0'], 'listening');
    served.child.kill('SIGTERM');
    expect(await served.exit, JSON.stringify(served.logs)).to.equal(0);
    const messages = served.logs.map((l) => l.msg);
    expect(messages.filter((m) => m === 'shutting down')).to.have.length(1);
    expect(messages.filter((m) => m === 'stopped')).to.have.length(1);
    expect(messages.at(-1)).to.equal('stopped');
  });

  it('refuses to start without a root key source, saying how to provide one (exit 3)', async () => {
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'kms', 'serve', '--port', '0', '--data-dir', join(dir, 'no-key')],
        { env: { ...process.env, ENVELOPE_KMS_ROOT_KEY: '' } },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      ),
    );
    expect(result.code).to.equal(3);
    expect(result.stderr).to.match(/--root-key-file/);
  });
});
