import { createPublicKey, randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  type KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { ACCOUNT, bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString('utf8');

for (const kind of STORE_KINDS) {
  describe(`cryptographic operations (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    let keyId: string;
    let keyArn: string;
    beforeEach(async () => {
      h = harness(kind);
      kms = h.client();
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      keyId = KeyMetadata!.KeyId!;
      keyArn = KeyMetadata!.Arn!;
    });
    afterEach(() => h.dispose());

    describe('Encrypt / Decrypt', () => {
      it('round-trips with an encryption context, without naming the key on decrypt', async () => {
        const ctx = { tenant: 'a', purpose: 'test' };
        const enc = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('secret'), EncryptionContext: ctx }),
        );
        expect(enc.KeyId).to.equal(keyArn);
        expect(enc.EncryptionAlgorithm).to.equal('SYMMETRIC_DEFAULT');
        const dec = await kms.send(
          new DecryptCommand({
            CiphertextBlob: enc.CiphertextBlob!,
            EncryptionContext: { purpose: 'test', tenant: 'a' },
          }),
        );
        expect(text(dec.Plaintext)).to.equal('secret');
        expect(dec.KeyId).to.equal(keyArn);
      });

      it('accepts key id, key ARN, alias name and alias ARN', async () => {
        const { CreateAliasCommand } = await import('@aws-sdk/client-kms');
        await kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: keyId }));
        for (const KeyId of [keyId, keyArn, 'alias/app', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`]) {
          const enc = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') }));
          expect(enc.KeyId).to.equal(keyArn);
        }
      });

      it('rejects plaintext over 4096 bytes', async () => {
        const err = await rejection(
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(4097) })),
        );
        expect(err.name).to.equal('ValidationException');
        await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(4096) }));
      });

      it('rejects decrypt with a wrong or missing encryption context', async () => {
        const enc = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { a: '1' } }),
        );
        for (const EncryptionContext of [{ a: '2' }, undefined, { a: '1', b: '2' }] as (
          | Record<string, string>
          | undefined
        )[]) {
          const err = await rejection(
            kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, EncryptionContext })),
          );
          expect(err.name).to.equal('InvalidCiphertextException');
        }
      });

      it('rejects a tampered or garbage ciphertext blob', async () => {
        const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
        const tampered = Buffer.from(enc.CiphertextBlob!);
        tampered[tampered.length - 20]! ^= 1;
        expect((await rejection(kms.send(new DecryptCommand({ CiphertextBlob: tampered })))).name).to.equal(
          'InvalidCiphertextException',
        );
        expect(
          (await rejection(kms.send(new DecryptCommand({ CiphertextBlob: randomBytes(64) })))).name,
        ).to.equal('InvalidCiphertextException');
      });

      it('rejects decrypt naming a different key with IncorrectKeyException', async () => {
        const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
        const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
        const err = await rejection(
          kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, KeyId: other })),
        );
        expect(err.name).to.equal('IncorrectKeyException');
        const ok = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, KeyId: keyArn }));
        expect(text(ok.Plaintext)).to.equal('x');
      });

      it('rejects decrypt under a disabled key', async () => {
        const { DisableKeyCommand } = await import('@aws-sdk/client-kms');
        const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
        await kms.send(new DisableKeyCommand({ KeyId: keyId }));
        expect(
          (await rejection(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! })))).name,
        ).to.equal('DisabledException');
      });

      it('encrypts and decrypts with RSA OAEP SHA-1 and SHA-256', async () => {
        const rsa = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))
        ).KeyMetadata!.KeyId!;
        for (const EncryptionAlgorithm of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const) {
          const enc = await kms.send(
            new EncryptCommand({ KeyId: rsa, Plaintext: bytes('rsa'), EncryptionAlgorithm }),
          );
          expect(enc.CiphertextBlob!.length).to.equal(256);
          const dec = await kms.send(
            new DecryptCommand({ KeyId: rsa, CiphertextBlob: enc.CiphertextBlob!, EncryptionAlgorithm }),
          );
          expect(text(dec.Plaintext)).to.equal('rsa');
        }
        const noKey = await rejection(
          kms.send(
            new DecryptCommand({
              CiphertextBlob: randomBytes(256),
              EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
            }),
          ),
        );
        expect(noKey.name).to.equal('ValidationException');
        const wrongAlg = await rejection(kms.send(new EncryptCommand({ KeyId: rsa, Plaintext: bytes('x') })));
        expect(wrongAlg.name).to.equal('InvalidKeyUsageException');
      });

      it('rejects encrypt with a signing key', async () => {
        const ecc = (
          await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
        ).KeyMetadata!.KeyId!;
        const err = await rejection(kms.send(new EncryptCommand({ KeyId: ecc, Plaintext: bytes('x') })));
        expect(err.name).to.equal('InvalidKeyUsageException');
      });
    });

    describe('ReEncrypt', () => {
      it('moves a ciphertext to another key and context', async () => {
        const dest = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
        const enc = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('move'), EncryptionContext: { a: '1' } }),
        );
        const re = await kms.send(
          new ReEncryptCommand({
            CiphertextBlob: enc.CiphertextBlob!,
            SourceEncryptionContext: { a: '1' },
            DestinationKeyId: dest.KeyId!,
            DestinationEncryptionContext: { b: '2' },
          }),
        );
        expect(re.SourceKeyId).to.equal(keyArn);
        expect(re.KeyId).to.equal(dest.Arn);
        const dec = await kms.send(
          new DecryptCommand({ CiphertextBlob: re.CiphertextBlob!, EncryptionContext: { b: '2' } }),
        );
        expect(text(dec.Plaintext)).to.equal('move');
        expect(dec.KeyId).to.equal(dest.Arn);
      });
    });

    describe('data keys', () => {
      it('generates AES_256 and NumberOfBytes data keys whose blobs decrypt to the plaintext', async () => {
        const dk = await kms.send(
          new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { k: 'v' } }),
        );
        expect(dk.Plaintext!.length).to.equal(32);
        const dec = await kms.send(
          new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob!, EncryptionContext: { k: 'v' } }),
        );
        expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(dk.Plaintext!))).to.equal(true);
        const n = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 1024 }));
        expect(n.Plaintext!.length).to.equal(1024);
        const a128 = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_128' }));
        expect(a128.Plaintext!.length).to.equal(16);
      });

      it('rejects both, neither, or an out-of-range NumberOfBytes', async () => {
        for (const extra of [
          {},
          { KeySpec: 'AES_256' as const, NumberOfBytes: 32 },
          { NumberOfBytes: 0 },
          { NumberOfBytes: 1025 },
        ]) {
          const err = await rejection(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, ...extra })));
          expect(err.name).to.equal('ValidationException');
        }
      });

      it('generates a data key without plaintext', async () => {
        const dk = await kms.send(
          new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }),
        );
        expect((dk as { Plaintext?: unknown }).Plaintext).to.equal(undefined);
        const dec = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob! }));
        expect(dec.Plaintext!.length).to.equal(32);
      });

      it('generates data key pairs, with and without the private plaintext', async () => {
        const pair = await kms.send(
          new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' }),
        );
        expect(
          createPublicKey({ key: Buffer.from(pair.PublicKey!), format: 'der', type: 'spki' })
            .asymmetricKeyType,
        ).to.equal('ec');
        const dec = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob! }));
        expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(pair.PrivateKeyPlaintext!))).to.equal(true);
        const noPlain = await kms.send(
          new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyId, KeyPairSpec: 'RSA_2048' }),
        );
        expect((noPlain as { PrivateKeyPlaintext?: unknown }).PrivateKeyPlaintext).to.equal(undefined);
        expect(noPlain.KeyPairSpec).to.equal('RSA_2048');
      });

      it('generates random bytes within 1–1024', async () => {
        expect(
          (await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!.length,
        ).to.equal(1024);
        const err = await rejection(kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })));
        expect(err.name).to.equal('ValidationException');
      });
    });
  });
}
