import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { BIN } from './support/run-envelope.js';

/** The environment of a user who set nothing: no ENVELOPE_* variable, and a HOME of its own. */
function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('ENVELOPE_')) env[name] = value;
  return { ...env, HOME: home, USERPROFILE: home, ...extra };
}

interface Served {
  child: ChildProcess;
  lines: string[];
  ready: Record<string, unknown> | string;
  stop(): Promise<number | null>;
}

/** Starts `envelope kms serve …args` and waits for its ready line (JSON, or text with `text: true`). */
async function serve(args: string[], env: NodeJS.ProcessEnv, text = false): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'kms', 'serve', ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const ready = await new Promise<Record<string, unknown> | string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      if (text ? line.includes(' kms server ready ') : jsonLine(line)?.msg === 'kms server ready')
        resolve(text ? line : JSON.parse(line));
    });
    void exit.then((code) =>
      reject(new Error(`envelope kms serve exited with ${code}: ${lines.join('\n')}`)),
    );
  });
  return {
    child,
    lines,
    ready,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

function jsonLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // a usage error is plain text; the exit then rejects
  }
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], { env, timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function createKey(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'x-amz-target': 'TrentService.CreateKey', 'content-type': 'application/x-amz-json-1.1' },
    body: '{}',
  });
}

describe('envelope kms serve: environment variables, defaults and logs (built binary)', function () {
  this.timeout(30_000);
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'envelope-serve-env-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('with no arguments starts in memory, warns loudly, answers, and writes nothing under HOME', async () => {
    // The port comes from the environment only so parallel runs do not fight over 4599.
    const server = await serve([], cleanEnv(home, { ENVELOPE_KMS_PORT: '0' }));
    try {
      const ready = server.ready as Record<string, unknown>;
      expect(ready).to.include({ storage: 'memory', rootKeySource: 'ephemeral', dataDir: null });
      const warning = server.lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn');
      expect(warning?.msg).to.match(/^IN-MEMORY SERVER: .*LOST when the server stops.*--data-dir/);
      const answer = await createKey(ready.url as string);
      expect(answer.status).to.equal(200);
      expect(((await answer.json()) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn).to.match(
        /^arn:aws:kms:us-east-1:111122223333:key\//,
      );
      expect(existsSync(join(home, '.envelope'))).to.equal(false);
    } finally {
      expect(await server.stop()).to.equal(0);
    }
  });

  it('takes each setting from its flag, else its ENVELOPE_KMS_* variable, else the default', async () => {
    const dataDir = join(home, 'data');
    const env = cleanEnv(home, {
      ENVELOPE_KMS_PORT: '0',
      ENVELOPE_KMS_REGION: 'eu-west-1',
      ENVELOPE_KMS_ACCOUNT: '444455556666',
      ENVELOPE_KMS_DATA_DIR: dataDir,
      ENVELOPE_KMS_ALLOW_PLAINTEXT_ROOT_KEY: 'true',
      ENVELOPE_KMS_GCP_REST_PORT: '0',
    });
    const fromEnv = await serve([], env);
    try {
      expect(fromEnv.ready).to.include({
        defaultRegion: 'eu-west-1',
        accountId: '444455556666',
        storage: 'sqlite',
        dataDir,
        rootKeySource: 'plaintext-file',
      });
      expect(Object.keys((fromEnv.ready as { endpoints: object }).endpoints)).to.deep.equal([
        'aws-json',
        'gcp-rest',
      ]);
      expect(fromEnv.lines.some((l) => l.includes('IN-MEMORY'))).to.equal(false);
    } finally {
      await fromEnv.stop();
    }
    // Flags win over the variables; a switch variable set to false is off.
    const fromFlags = await serve(['--region', 'ap-south-1', '--in-memory', '--port', '0'], {
      ...env,
      ENVELOPE_KMS_PORT: '1',
      ENVELOPE_KMS_ALLOW_PLAINTEXT_ROOT_KEY: 'false',
      ENVELOPE_KMS_DATA_DIR: '',
    });
    try {
      expect(fromFlags.ready).to.include({
        defaultRegion: 'ap-south-1',
        accountId: '444455556666',
        storage: 'memory',
      });
      expect(fromFlags.lines.some((l) => l.includes('IN-MEMORY SERVER'))).to.equal(false); // --in-memory was asked for
    } finally {
      await fromFlags.stop();
    }
    const defaults = await serve(['--port', '0', '--in-memory'], cleanEnv(home));
    try {
      expect(defaults.ready).to.include({ defaultRegion: 'us-east-1', accountId: '111122223333' });
    } finally {
      await defaults.stop();
    }
  });

  it('refuses a bad variable value with a usage error naming the variable (exit 2)', async () => {
    const port = await run(['kms', 'serve'], cleanEnv(home, { ENVELOPE_KMS_PORT: 'eighty' }));
    expect(port.code).to.equal(2);
    expect(port.stderr).to.include("from env 'ENVELOPE_KMS_PORT' is invalid");
    const level = await run(['kms', 'serve'], cleanEnv(home, { ENVELOPE_KMS_LOG_LEVEL: 'chatty' }));
    expect(level.code).to.equal(2);
    expect(level.stderr).to.include('ENVELOPE_KMS_LOG_LEVEL');
    const flag = await run(['kms', 'serve'], cleanEnv(home, { ENVELOPE_KMS_IN_MEMORY: 'maybe' }));
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.include('ENVELOPE_KMS_IN_MEMORY is "maybe"');
    const count = await run(['kms', 'serve'], cleanEnv(home, { ENVELOPE_KMS_MAX_CONNECTIONS: '0' }));
    expect(count.code).to.equal(2);
    expect(count.stderr).to.include('ENVELOPE_KMS_MAX_CONNECTIONS');
  });

  it('writes one request line per call at --log-level info, none at warn, and text with --log-format text', async () => {
    const info = await serve(['--port', '0', '--in-memory'], cleanEnv(home));
    try {
      await createKey((info.ready as { url: string }).url);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const request = info.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
      expect(request).to.include({ operation: 'CreateKey', region: 'us-east-1', status: 200, error: null });
      expect(request.key).to.match(/^arn:aws:kms:/);
    } finally {
      await info.stop();
    }
    // At warn, only warnings: the in-memory warning, no ready or request line (the port is chosen here).
    const port = await freePort();
    const quiet = spawn(process.execPath, [BIN, 'kms', 'serve', '--port', String(port)], {
      env: cleanEnv(home, { ENVELOPE_KMS_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    quiet.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise((resolve) => quiet.once('exit', resolve));
    try {
      let answer: Response | undefined;
      for (let i = 0; i < 100 && !answer; i++) {
        answer = await createKey(`http://127.0.0.1:${port}`).catch(() => undefined);
        if (!answer) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer?.status).to.equal(200);
    } finally {
      quiet.kill('SIGTERM');
      await exited;
    }
    const levels = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).level);
    expect(levels).to.deep.equal(['warn']);
    const text = await serve(['--port', '0', '--in-memory', '--log-format', 'text'], cleanEnv(home), true);
    try {
      expect(text.ready).to.match(/^\S+Z INFO kms server ready url=http:\/\/127\.0\.0\.1:\d+ /);
      const url = /url=(\S+)/.exec(text.ready as string)![1]!;
      await createKey(url);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(text.lines.find((l) => l.includes(' INFO request '))).to.match(/ operation=CreateKey /);
    } finally {
      await text.stop();
    }
  });
});
