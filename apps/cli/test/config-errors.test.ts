import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { envelope } from './support/run-envelope.js';

describe('config mistakes exit with code 3 and name the file and path', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-cli-config-'));
    await writeFile(join(dir, 'data.bin'), 'hello');
    await writeFile(join(dir, 'short.key'), randomBytes(5));
    const ring = (key: string) => `{ type: raw-aes, keyNamespace: n, keyName: k, key: { file: ${key} } }`;
    await writeFile(join(dir, 'short.yaml'), `keyring: ${ring('short.key')}\n`);
    await writeFile(join(dir, 'zero.yaml'), `keyring: ${ring('/dev/zero')}\n`);
    await writeFile(join(dir, 'cyclic.yaml'), 'keyring: &ring { type: multi, generator: *ring }\n');
  });

  // envelope() runs with ENVELOPE_CONFIG set to the empty string.
  it('takes an empty ENVELOPE_CONFIG as unset: envelope.yaml in the working directory', async function () {
    this.timeout(10_000);
    const cwd = await mkdtemp(join(tmpdir(), 'envelope-cli-empty-config-'));
    await writeFile(join(cwd, 'data.bin'), 'hello');
    await writeFile(join(cwd, 'aes.key'), randomBytes(32));
    await writeFile(
      join(cwd, 'envelope.yaml'),
      'keyring: { type: raw-aes, keyNamespace: n, keyName: k, key: { file: aes.key } }\n',
    );
    const run = await envelope(cwd, 'encrypt', 'data.bin', '-o', 'out.env');
    expect(run.code, run.stderr).to.equal(0);
  });

  it('reports a directory given as --config, saying a file is expected', async function () {
    this.timeout(10_000);
    const run = await envelope(dir, 'encrypt', 'data.bin', '-o', 'out.env', '--config', '.');
    expect(run.code, run.stderr).to.equal(3);
    expect(run.stderr).to.include(`Config path ${dir} is a directory; a file is expected`);
  });

  for (const [config, pattern] of [
    ['short.yaml', /short\.yaml: keyring: .*16, 24 or 32 bytes; got 5/],
    ['zero.yaml', /zero\.yaml: keyring\.key: key file \/dev\/zero is not a regular file/],
    ['cyclic.yaml', /cyclic\.yaml: keyring\.generator refers to an enclosing value/],
  ] as const) {
    it(`reports ${config}`, async function () {
      this.timeout(10_000);
      const run = await envelope(dir, 'encrypt', 'data.bin', '-o', 'out.env', '--config', config);
      expect(run.code, run.stderr).to.equal(3);
      expect(run.stderr).to.match(pattern);
    });
  }
});
