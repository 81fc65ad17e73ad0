import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { createKmsServer, type LogRecord, RootKeyError } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture, rejection } from './helpers.js';

describe('root key check when root-key.check is missing', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  async function dataWithoutCheckFile(rootKey: Buffer) {
    const dataDir = fx.dir();
    const server = await createKmsServer({ dataDir, port: 0, rootKey });
    const kms = fx.client(server.url);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('restored') }),
    );
    await server.close();
    rmSync(join(dataDir, 'root-key.check')); // a backup restored without it
    return { dataDir, keyId: KeyMetadata!.KeyId!, CiphertextBlob: CiphertextBlob! };
  }

  it('refuses a root key that does not open the existing key material, and pins nothing', async () => {
    const rightKey = randomBytes(32);
    const { dataDir, CiphertextBlob } = await dataWithoutCheckFile(rightKey);
    const err = await rejection(() => createKmsServer({ dataDir, port: 0, rootKey: randomBytes(32) }));
    expect(err).to.be.instanceOf(RootKeyError);
    expect(err.message).to.match(/does not open the key material already in/);
    expect(existsSync(join(dataDir, 'root-key.check'))).to.equal(false);
    // The right key is still accepted afterwards, and the data is intact.
    const server = await fx.server({ dataDir, rootKey: rightKey });
    const { Plaintext } = await fx.client(server.url).send(new DecryptCommand({ CiphertextBlob }));
    expect(Buffer.from(Plaintext!).toString()).to.equal('restored');
    expect(existsSync(join(dataDir, 'root-key.check'))).to.equal(true);
  });

  it('accepts the right key and writes the check again', async () => {
    const rightKey = randomBytes(32);
    const { dataDir, keyId } = await dataWithoutCheckFile(rightKey);
    const server = await fx.server({ dataDir, rootKey: rightKey });
    await fx.client(server.url).send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    await server.close();
    const err = await rejection(() => createKmsServer({ dataDir, port: 0, rootKey: randomBytes(32) }));
    expect(err.message).to.match(/does not match/);
  });
});

describe('root key file permissions', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  for (const [mode, warns] of [
    [0o644, true],
    [0o640, true],
    [0o600, false],
  ] as const) {
    it(`${warns ? 'warns' : 'does not warn'} about a root key file with mode ${mode.toString(8)}`, async () => {
      const file = join(fx.dir(), 'root.key');
      writeFileSync(file, randomBytes(32));
      chmodSync(file, mode);
      const logs: LogRecord[] = [];
      await fx.server({ dataDir: fx.dir(), rootKeyFile: file, log: (r) => logs.push(r) });
      const warning = logs.find((l) => l.level === 'warn' && /root key file/.test(l.msg));
      expect(warning !== undefined).to.equal(warns);
      if (warning) {
        expect(warning.msg).to.match(/chmod 600/);
        expect(warning.file).to.equal(file);
      }
    });
  }
});
