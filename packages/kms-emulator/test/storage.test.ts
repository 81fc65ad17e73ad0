import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';
import { KmsEngine, MaterialVault, SqliteResourceStore } from '../src/index.js';
import { bytes, CREDENTIALS, harness, rejection } from './helpers.js';

const clientFor = (engine: KmsEngine) =>
  new KMSClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestHandler: createKmsRequestHandler(engine),
    maxAttempts: 1,
  });

describe('SqliteResourceStore', () => {
  it('survives closing and reopening the same file: keys, versions and aliases still decrypt', async () => {
    const h = harness('sqlite');
    const kms = h.client();
    const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: KeyId }));
    const v1 = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('v1') }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    const v2 = await kms.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: bytes('v2') }));
    const rootKey = Buffer.from(h.rootKey);
    h.engine.close();

    const reopened = new KmsEngine({ store: new SqliteResourceStore(h.dbPath), rootKey });
    const kms2 = clientFor(reopened);
    try {
      for (const [blob, want] of [
        [v1, 'v1'],
        [v2, 'v2'],
      ] as const) {
        const dec = await kms2.send(new DecryptCommand({ CiphertextBlob: blob.CiphertextBlob! }));
        expect(Buffer.from(dec.Plaintext!).toString()).to.equal(want);
      }
      await kms2.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: bytes('v3') }));
      expect(reopened.auditLog({ keyId: KeyId }).length).to.be.greaterThan(4);
    } finally {
      kms2.destroy();
      reopened.close();
      h.dispose();
    }
  });

  it('refuses to load key material under a different root key', async () => {
    const h = harness('sqlite');
    const kms = h.client();
    const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const blob = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') }));
    h.engine.close();
    const wrong = new KmsEngine({ store: new SqliteResourceStore(h.dbPath), rootKey: randomBytes(32) });
    const kms2 = clientFor(wrong);
    try {
      const err = await rejection(kms2.send(new DecryptCommand({ CiphertextBlob: blob.CiphertextBlob! })));
      expect(err.name).to.equal('KMSInternalException');
      expect(err.$metadata?.httpStatusCode).to.equal(500);
    } finally {
      kms2.destroy();
      wrong.close();
      h.dispose();
    }
  });

  it('creates the database file and its WAL with mode 0600', async () => {
    const h = harness('sqlite');
    try {
      await h.client().send(new CreateKeyCommand({}));
      expect(statSync(h.dbPath).mode & 0o777).to.equal(0o600);
      expect(statSync(`${h.dbPath}-wal`).mode & 0o777).to.equal(0o600);
    } finally {
      h.dispose();
    }
  });

  it('stores no raw key material at rest', async () => {
    const h = harness('sqlite');
    const kms = h.client();
    try {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      const hmac = (
        await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))
      ).KeyMetadata!;
      const onDisk = Buffer.concat(
        [h.dbPath, `${h.dbPath}-wal`].map((f) => {
          try {
            return readFileSync(f);
          } catch {
            return Buffer.alloc(0);
          }
        }),
      );
      for (const arn of [KeyMetadata!.Arn!, hmac.Arn!]) {
        const record = h.resources.getKey(arn)!;
        const version = record.versions[0]!;
        // Test-only look inside: the stored blob is a wrapping, not the material itself.
        const material = new MaterialVault(h.rootKey).unwrap(arn, version.versionId, version.wrappedMaterial);
        expect(Buffer.from(version.wrappedMaterial, 'base64').includes(material)).to.equal(false);
        expect(onDisk.includes(material)).to.equal(false);
        expect(onDisk.includes(Buffer.from(material.toString('base64')))).to.equal(false);
        expect(onDisk.includes(Buffer.from(material.toString('hex')))).to.equal(false);
        expect(onDisk.includes(Buffer.from(version.wrappedMaterial))).to.equal(true);
      }
    } finally {
      h.dispose();
    }
  });
});
