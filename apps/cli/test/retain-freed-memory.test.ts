import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runEnvelope } from './support/run-envelope.js';

/**
 * Loaded into the CLI with NODE_OPTIONS=--require: reports on stderr each block handed to a
 * MessageChannel and freed there, as retainFreedMemory() (@envelope/core) does with its 31 MiB block.
 */
const PRELOAD = `
const threads = require('node:worker_threads');
const { syncBuiltinESMExports } = require('node:module');
const Channel = threads.MessageChannel;
threads.MessageChannel = class extends Channel {
  constructor() {
    super();
    const post = this.port1.postMessage.bind(this.port1);
    this.port1.postMessage = (message, transfer) => {
      if (message instanceof ArrayBuffer) process.stderr.write('freed block of ' + message.byteLength + ' bytes\\n');
      return post(message, transfer);
    };
  }
};
syncBuiltinESMExports();
`;

const BLOCK = `freed block of ${31 * 1024 * 1024} bytes`;

describe('the CLI keeps freed memory for its frames (retainFreedMemory)', () => {
  let dir: string;
  const run = (...args: string[]) =>
    runEnvelope({ cwd: dir, env: { NODE_OPTIONS: `--require ${join(dir, 'preload.cjs')}` } }, ...args);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-retain-'));
    await writeFile(join(dir, 'preload.cjs'), PRELOAD);
    await writeFile(join(dir, 'east.key'), randomBytes(32));
    await writeFile(
      join(dir, 'east.yaml'),
      'keyring: { type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }\n',
    );
    await writeFile(join(dir, 'data.bin'), randomBytes(100_000));
  });

  it('before encrypt, decrypt and rewrap, and not for inspect', async () => {
    const encrypt = await run('encrypt', 'data.bin', '-o', 'data.enc', '-q', '--config', 'east.yaml');
    expect(encrypt.code, encrypt.stderr).to.equal(0);
    expect(encrypt.stderr).to.include(BLOCK);
    const decrypt = await run('decrypt', 'data.enc', '-o', 'data.out', '-q', '--config', 'east.yaml');
    expect(decrypt.code, decrypt.stderr).to.equal(0);
    expect(decrypt.stderr).to.include(BLOCK);
    const rewrap = await run(
      'rewrap',
      'data.enc',
      '--config',
      'east.yaml',
      '--to',
      'east.yaml',
      '-o',
      'data.rewrapped',
      '-q',
    );
    expect(rewrap.code, rewrap.stderr).to.equal(0);
    expect(rewrap.stderr).to.include(BLOCK);
    const inspect = await run('inspect', 'data.enc');
    expect(inspect.code, inspect.stderr).to.equal(0);
    expect(inspect.stderr).not.to.include('freed block');
  });
});
