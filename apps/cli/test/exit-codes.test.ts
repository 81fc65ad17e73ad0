import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../dist/envelope.mjs', import.meta.url));
const NOT_INTACT = 4;

function envelope(cwd: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ENVELOPE_CONFIG: '' } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe('exit code 4: the input is not an intact message (built binary)', () => {
  let dir: string;
  let message: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-exit-'));
    await writeFile(join(dir, 'k.key'), randomBytes(32));
    await writeFile(
      join(dir, 'k.yaml'),
      'keyring: { type: raw-aes, keyNamespace: ns, keyName: k, key: { file: k.key } }\n',
    );
    await writeFile(join(dir, 'data.bin'), randomBytes(5000));
    const run = await envelope(dir, 'encrypt', 'data.bin', '-o', 'data.env', '--config', 'k.yaml');
    expect(run.code, run.stderr).to.equal(0);
    message = await readFile(join(dir, 'data.env'));
  });

  /** Decrypts `damaged` to a file and to stdout; both must exit 4 with one line and leave no file. */
  async function expectNotIntact(name: string, damaged: Buffer): Promise<void> {
    await writeFile(join(dir, `${name}.env`), damaged);
    for (const output of [['-o', `${name}.out`], []]) {
      const run = await envelope(dir, 'decrypt', `${name}.env`, ...output, '--config', 'k.yaml');
      expect(run.code, `${name} ${output.join(' ')}: ${run.stderr}`).to.equal(NOT_INTACT);
      expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
      expect(run.stderr).to.match(/^envelope: .*\(the input is damaged/);
    }
    expect((await readdir(dir)).filter((f) => f.startsWith(`${name}.out`))).to.deep.equal([]);
  }

  it('for a truncated message', async () => {
    await expectNotIntact('truncated', message.subarray(0, message.length - 7));
    await expectNotIntact('header-only', message.subarray(0, 40));
  });

  it('for bytes after the end of the message', async () => {
    await expectNotIntact('trailing', Buffer.concat([message, Buffer.from('more')]));
  });

  it('for a header whose suite id was changed to the unsigned suite', async () => {
    const damaged = Buffer.from(message);
    expect(damaged.readUInt16BE(1)).to.equal(0x0578);
    damaged.writeUInt16BE(0x0478, 1);
    await expectNotIntact('suite', damaged);
  });

  it('for a header whose signing key is not a curve point', async () => {
    const damaged = Buffer.from(message);
    const at = damaged.indexOf('aws-crypto-public-key') + 'aws-crypto-public-key'.length + 2;
    damaged.write('A'.repeat(66), at, 'latin1'); // base64 of zeros: a point with prefix 0x00
    await expectNotIntact('public-key', damaged);
  });

  it('for input that is not a message at all, decrypted or inspected', async () => {
    await expectNotIntact('garbage', Buffer.from('this is not an encrypted message\n'));
    const run = await envelope(dir, 'inspect', 'header-only.env');
    expect(run.code, run.stderr).to.equal(NOT_INTACT);
  });
});
