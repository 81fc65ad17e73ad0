import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, loadConfigFile, parseConfig } from '@envelope/config';
import { ConfigError } from '@envelope/core';
import { expect } from 'chai';

async function configError(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(ConfigError);
  return error as Error;
}

const rawAes = (key: string) =>
  `keyring: { type: raw-aes, keyNamespace: n, keyName: k, key: { file: ${key} } }\n`;

describe('config: hostile or mistaken input gives a ConfigError naming the file and path', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-config-safety-'));
  });

  async function load(name: string, text: string): Promise<Error> {
    await writeFile(join(dir, name), text);
    return configError(createEnvelope({ configFile: join(dir, name), env: {} }));
  }

  it('refuses a key file that is a device, without reading it forever', async function () {
    this.timeout(5000);
    const error = await load('zero.yaml', rawAes('/dev/zero'));
    expect(error.message).to.match(/zero\.yaml: keyring\.key: key file \/dev\/zero is not a regular file/);
  });

  it('refuses a key file that is a FIFO, without waiting for a writer', async function () {
    this.timeout(5000);
    execFileSync('mkfifo', [join(dir, 'key.fifo')]);
    const error = await load('fifo.yaml', rawAes('key.fifo'));
    expect(error.message).to.match(/fifo\.yaml: keyring\.key: key file .*key\.fifo is not a regular file/);
  });

  it('refuses a key file far larger than any key', async () => {
    await writeFile(join(dir, 'huge.key'), Buffer.alloc(65 * 1024));
    const error = await load('huge.yaml', rawAes('huge.key'));
    expect(error.message).to.match(
      /huge\.yaml: keyring\.key: key file .*huge\.key is larger than 65536 bytes/,
    );
  });

  it('names the file and keyring when the key has the wrong length', async () => {
    await writeFile(join(dir, 'short.key'), randomBytes(5));
    const error = await load('short.yaml', rawAes('short.key'));
    expect(error.message).to.match(/short\.yaml: keyring: .*must be 16, 24 or 32 bytes; got 5/);
    const nested = await load(
      'nested.yaml',
      `keyring: { type: multi, children: [ { type: raw-aes, keyNamespace: n, keyName: k, key: { file: short.key } } ] }\n`,
    );
    expect(nested.message).to.match(/nested\.yaml: keyring\.children\[0\]: .*got 5/);
  });

  it('stops reading a config file at 1 MiB, so --config /dev/zero fails at once', async function () {
    this.timeout(5000);
    const error = await configError(loadConfigFile('/dev/zero', {}));
    expect(error.message).to.match(/Config file \/dev\/zero is larger than 1048576 bytes/);
  });

  it('refuses a directory as the config file, naming it and saying a file is expected', async () => {
    const error = await configError(loadConfigFile(dir, {}));
    expect(error.message).to.equal(
      `Config path ${dir} is a directory; a file is expected: name an envelope.yaml or envelope.json (e.g. --config ${join(dir, 'envelope.yaml')}).`,
    );
  });

  it('takes an empty configFile as none given (envelope.yaml), not the working directory', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'envelope-config-empty-'));
    await writeFile(join(cwd, 'k.key'), randomBytes(32));
    await writeFile(join(cwd, 'envelope.yaml'), rawAes(join(cwd, 'k.key')));
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const envelope = await createEnvelope({ configFile: '', env: {} });
      expect(envelope.config.keyring.type).to.equal('raw-aes');
    } finally {
      process.chdir(previous);
    }
  });

  it('still reads a config from a pipe, as with --config <(...)', async function () {
    this.timeout(10_000);
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = new Promise<void>((resolve) =>
      execFile('sh', ['-c', `echo 'keyring: { type: x }' > ${fifo}`], { timeout: 8000 }, () => resolve()),
    );
    const loaded = await loadConfigFile(fifo, {});
    await writer;
    expect(loaded.config.keyring.type).to.equal('x');
  });

  it('refuses a cyclic YAML alias with the path where it loops', () => {
    expect(() => parseConfig('keyring: &ring { type: multi, children: [ *ring ] }', 'e.yaml', {})).to.throw(
      ConfigError,
      /e\.yaml: keyring\.children\[0\] refers to an enclosing value through a YAML alias/,
    );
  });

  it('still accepts an alias used twice without a cycle', () => {
    const config = parseConfig(
      'requiredEncryptionContext: &p { tenant: acme }\nkeyring: { type: x, labels: *p }',
      'e.yaml',
      {},
    );
    expect(config.requiredEncryptionContext).to.deep.equal({ tenant: 'acme' });
    expect(config.keyring.labels).to.deep.equal({ tenant: 'acme' });
  });
});
