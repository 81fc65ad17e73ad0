import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  ListResourceTagsCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { createKmsServer, RootKeyError, SeedFileError } from '@envelope/kms-server';
import { expect } from 'chai';
import { ACCOUNT, Fixture, rejection } from './helpers.js';

const SEED = fileURLToPath(new URL('./fixtures/seed.yaml', import.meta.url));
const BAD_SEED = fileURLToPath(new URL('./fixtures/bad-seed.yaml', import.meta.url));
const APP_KEY = '0b1e5c2a-9d3f-4c1e-8a7b-2f6d4e5a1c3b';
const MRK = 'mrk-8f1c2d3e4b5a69788796a5b4c3d2e1f0';

describe('seed file', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('creates keys with the given ids, aliases, tags, replicas, policy and state', async () => {
    const server = await fx.server({ seedFile: SEED });
    const kms = fx.client(server.url);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app' }));
    expect(KeyMetadata).to.include({
      Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${APP_KEY}`,
      Description: 'application data key',
    });
    expect(
      (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-legacy' }))).KeyMetadata!.KeyId,
    ).to.equal(APP_KEY);
    const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: APP_KEY }));
    expect(Tags).to.deep.equal([
      { TagKey: 'team', TagValue: 'core' },
      { TagKey: 'env', TagValue: 'dev' },
    ]);

    const eu = fx.client(server.url, { region: 'eu-west-1' });
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: 'alias/global', Plaintext: Buffer.from('x') }),
    );
    const replica = await eu.send(new DescribeKeyCommand({ KeyId: 'alias/global' }));
    expect(replica.KeyMetadata!.Arn).to.equal(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${MRK}`);
    await eu.send(new DecryptCommand({ CiphertextBlob, KeyId: MRK }));

    const hmac = await kms.send(new DescribeKeyCommand({ KeyId: '5d2c1b0a-1111-4222-8333-944445555666' }));
    expect(hmac.KeyMetadata).to.include({ KeySpec: 'HMAC_256', KeyState: 'Disabled' });
    const { Policy } = await kms.send(
      new GetKeyPolicyCommand({ KeyId: '5d2c1b0a-1111-4222-8333-944445555666' }),
    );
    expect(JSON.parse(Policy!).Statement[0].Sid).to.equal('root');
  });

  it('is idempotent: a restart with the same seed leaves existing keys untouched', async () => {
    const dataDir = fx.dir();
    const first = await fx.server({ dataDir, seedFile: SEED });
    await fx
      .client(first.url)
      .send(new UpdateKeyDescriptionCommand({ KeyId: APP_KEY, Description: 'changed' }));
    await first.close();
    const second = await fx.server({ dataDir, seedFile: SEED });
    const { KeyMetadata } = await fx.client(second.url).send(new DescribeKeyCommand({ KeyId: 'alias/app' }));
    expect(KeyMetadata!.Description).to.equal('changed');
  });

  it('refuses an invalid seed file, naming the file and the path', async () => {
    const err = await rejection(() => createKmsServer({ inMemory: true, port: 0, seedFile: BAD_SEED }));
    expect(err).to.be.instanceOf(SeedFileError);
    expect(err.message).to.include(BAD_SEED);
    expect(err.message).to.include('keys[0].id');
    expect(err.message).to.include('keys[0].aliases[0]');
  });

  it('names the key when the engine refuses a seeded key', async () => {
    const err = await rejection(() =>
      createKmsServer({
        inMemory: true,
        port: 0,
        seed: { keys: [{ id: APP_KEY, keySpec: 'RSA_2048', keyUsage: 'GENERATE_VERIFY_MAC' }] },
      }),
    );
    expect(err.message).to.match(/keys\[0\] \(0b1e5c2a-.*\): ValidationException/);
  });
});

describe('root key', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('refuses to start on a data dir without a root key source, saying how to give one', async () => {
    const err = await rejection(() => createKmsServer({ dataDir: fx.dir(), port: 0, env: {} }));
    expect(err).to.be.instanceOf(RootKeyError);
    expect(err.message)
      .to.match(/--root-key-file/)
      .and.to.match(/ENVELOPE_KMS_ROOT_KEY/)
      .and.to.match(/--allow-plaintext-root-key/);
  });

  it('generates root.key (0600) on opt-in and reuses it on the next start', async () => {
    const dataDir = fx.dir();
    const first = await createKmsServer({ dataDir, port: 0, env: {}, allowPlaintextRootKey: true });
    const kms = fx.client(first.url);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('x') }),
    );
    await first.close();
    expect(statSync(join(dataDir, 'root.key')).mode & 0o777).to.equal(0o600);
    const second = await fx.server({ dataDir, env: {}, allowPlaintextRootKey: true });
    await fx.client(second.url).send(new DecryptCommand({ CiphertextBlob }));
  });

  it('reads the key from a file (raw or hex) and from ENVELOPE_KMS_ROOT_KEY (hex or base64)', async () => {
    const key = randomBytes(32);
    const dir = fx.dir();
    const raw = join(dir, 'raw.key');
    const hex = join(dir, 'hex.key');
    writeFileSync(raw, key);
    writeFileSync(hex, `${key.toString('hex')}\n`);
    const dataDir = fx.dir();
    for (const source of [
      { rootKeyFile: raw },
      { rootKeyFile: hex },
      { env: { ENVELOPE_KMS_ROOT_KEY: key.toString('hex') } },
      { env: { ENVELOPE_KMS_ROOT_KEY: key.toString('base64') } },
    ]) {
      const server = await createKmsServer({ dataDir, port: 0, env: {}, ...source });
      await server.close();
    }
    expect(readFileSync(join(dataDir, 'root-key.check'), 'utf8')).to.match(/^[0-9a-f]{64}\n$/);
  });

  it('refuses a different root key for existing data', async () => {
    const dataDir = fx.dir();
    await (await createKmsServer({ dataDir, port: 0, rootKey: randomBytes(32) })).close();
    const err = await rejection(() => createKmsServer({ dataDir, port: 0, rootKey: randomBytes(32) }));
    expect(err).to.be.instanceOf(RootKeyError);
    expect(err.message).to.match(/does not match/);
  });

  it('refuses a root key file of the wrong size', async () => {
    const file = join(fx.dir(), 'short.key');
    writeFileSync(file, 'abcd');
    const err = await rejection(() => createKmsServer({ dataDir: fx.dir(), port: 0, rootKeyFile: file }));
    expect(err.message).to.match(/32 raw bytes or 64 hex characters/);
  });
});
