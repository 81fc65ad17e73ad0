import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { encryptMessage, RawAesKeyring } from '@envelope/core';
import { expect } from 'chai';
import { CliError } from '../src/exit-codes.js';
import { AtomicOutput } from '../src/io/atomic-output.js';
import { BIN, envelope } from './support/run-envelope.js';

const partials = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.partial'));

describe('the CLI never leaves plaintext behind, nor replaces what is not a regular file', () => {
  let dir: string;
  const data = randomBytes(300_000);
  let large: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-cli-output-'));
    const key = randomBytes(32);
    await writeFile(join(dir, 'east.key'), key);
    await writeFile(
      join(dir, 'east.yaml'),
      'keyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    const keyring = new RawAesKeyring({ keyNamespace: 'dr', keyName: 'east', wrappingKey: key });
    const encrypt = async (plaintext: Buffer) => {
      const parts: Uint8Array[] = [];
      for await (const part of encryptMessage([plaintext], { keyring })) parts.push(part);
      return Buffer.concat(parts);
    };
    await writeFile(join(dir, 'data.env'), await encrypt(data));
    large = await encrypt(randomBytes(24 * 1024 * 1024));
  });

  it('refuses an existing directory as output, even with --force, and leaves no temporary file', async () => {
    await mkdir(join(dir, 'outdir'));
    const run = await envelope(
      dir,
      'decrypt',
      'data.env',
      '-o',
      'outdir',
      '--force',
      '--config',
      'east.yaml',
    );
    expect(await partials(dir)).to.deep.equal([]);
    expect(run.code).to.equal(7);
    expect(run.stderr).to.match(/outdir is a directory/);
    expect((await stat(join(dir, 'outdir'))).isDirectory()).to.equal(true);
  });

  it('refuses a socket as output and leaves it in place', async () => {
    const socket = join(dir, 'out.sock');
    const server = createServer().listen(socket);
    await once(server, 'listening');
    try {
      const run = await envelope(
        dir,
        'decrypt',
        'data.env',
        '-o',
        'out.sock',
        '--force',
        '--config',
        'east.yaml',
      );
      expect(await partials(dir)).to.deep.equal([]);
      expect((await stat(socket)).isSocket()).to.equal(true);
      expect(run.code).to.equal(7);
      expect(run.stderr).to.match(/out\.sock is a socket/);
    } finally {
      server.close();
    }
  });

  it('AtomicOutput removes its temporary file when the rename is refused', async () => {
    const target = join(dir, 'became-a-dir');
    const output = await AtomicOutput.open(target, true);
    output.stream.end('plaintext');
    await finished(output.stream);
    await mkdir(target);
    const error = await output.commit().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CliError);
    await output.abort();
    expect(await partials(dir)).to.deep.equal([]);
    expect((await stat(target)).isDirectory()).to.equal(true);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`removes the partial plaintext on ${signal} and exits with ${code}`, async function () {
      this.timeout(60_000);
      const out = `signal-${signal}.bin`;
      const child = spawn(process.execPath, [BIN, 'decrypt', '-', '-o', out, '--config', 'east.yaml'], {
        cwd: dir,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      child.stdin.on('error', () => {});
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (c, s) => resolve({ code: c, signal: s })),
      );
      // Feed part of a large message and keep stdin open: decrypt is mid-way, plaintext on disk.
      child.stdin.write(large.subarray(0, 8 * 1024 * 1024));
      let written = 0;
      for (let i = 0; i < 600 && written === 0; i++) {
        await sleep(50);
        for (const f of await partials(dir)) written = (await stat(join(dir, f))).size;
      }
      expect(written, 'partial plaintext was written before the signal').to.be.greaterThan(0);
      child.kill(signal);
      const status = await exited;
      expect(await partials(dir)).to.deep.equal([]);
      expect(await readdir(dir)).not.to.include(out);
      expect(status).to.deep.equal({ code, signal: null });
    });
  }

  it('writes to a FIFO in place instead of replacing it', async function () {
    this.timeout(30_000);
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader, as `cat out.fifo > got.bin` in another shell; killed after 20 s if no writer comes.
    const reader = new Promise<void>((resolve) =>
      execFile('sh', ['-c', 'cat out.fifo > got.bin'], { cwd: dir, timeout: 20_000 }, () => resolve()),
    );
    const run = await envelope(
      dir,
      'decrypt',
      'data.env',
      '-o',
      'out.fifo',
      '--force',
      '--config',
      'east.yaml',
    );
    expect(run.code, run.stderr).to.equal(0);
    expect((await stat(fifo)).isFIFO()).to.equal(true);
    await reader;
    expect((await readFile(join(dir, 'got.bin'))).equals(data)).to.equal(true);
    expect(await partials(dir)).to.deep.equal([]);
  });

  it('writes to a character device in place: a node of our own, then /dev/null', async function () {
    const device = join(dir, 'null-device');
    try {
      execFileSync('mknod', [device, 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      this.skip(); // not root: the /dev/null check below is only run once our own node proved safe
    }
    const own = await envelope(
      dir,
      'decrypt',
      'data.env',
      '-o',
      'null-device',
      '--force',
      '--config',
      'east.yaml',
    );
    expect(own.code, own.stderr).to.equal(0);
    expect((await stat(device)).isCharacterDevice()).to.equal(true);
    expect(await partials(dir)).to.deep.equal([]);

    const real = await envelope(
      dir,
      'decrypt',
      'data.env',
      '-o',
      '/dev/null',
      '--force',
      '--config',
      'east.yaml',
    );
    expect(real.code, real.stderr).to.equal(0);
    expect((await stat('/dev/null')).isCharacterDevice()).to.equal(true);
    expect((await readdir('/dev')).filter((f) => f.startsWith('.null.'))).to.deep.equal([]);
  });
});
