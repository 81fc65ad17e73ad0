import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DecryptionFailedError,
  type DecryptionMaterials,
  decrypt,
  decryptStream,
  type EncryptedDataKey,
  type EncryptionMaterials,
  type Keyring,
  RawAesKeyring,
  SuiteId,
  UnsupportedSuiteError,
} from '@envelope/core';
import { expect } from 'chai';
import { awsLegacy, awsRawAes } from './support/aws-sdk.js';

const V1_SUITES = [
  SuiteId.AES_128_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_192_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_128_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_192_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256,
  SuiteId.AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
  SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
];
const hex = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;

/** A keyring that hands back a fixed data key for the one encrypted data key it recognises. */
class FixedKeyKeyring implements Keyring {
  readonly description = 'fixed-key test keyring';
  constructor(private readonly dataKey: Buffer) {}
  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    return materials;
  }
  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    if (edks.some((edk) => edk.providerId === 'fixed')) materials.setDataKey(new Uint8Array(this.dataKey));
    return materials;
  }
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const field = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);

/**
 * A v1 non-framed message built byte by byte (data-format/message-header.md, message-body.md): the
 * AWS SDK for JavaScript reads but cannot write this body type. Unsigned suites only.
 */
function nonFramedV1(suiteId: number, dataKey: Buffer, plaintext: Buffer, context: [string, string][]) {
  const keyLength = dataKey.length;
  const messageId = randomBytes(16);
  const aad = context.length
    ? Buffer.concat([u16(context.length), ...context.flatMap(([k, v]) => [field(k), field(v)])])
    : Buffer.alloc(0);
  const header = Buffer.concat([
    Buffer.of(0x01, 0x80),
    u16(suiteId),
    messageId,
    u16(aad.length),
    aad,
    u16(1), // one encrypted data key
    field('fixed'),
    field('key-1'),
    field('opaque'),
    Buffer.of(0x01), // content type: non-framed
    Buffer.alloc(4), // reserved
    Buffer.of(12), // IV length
    u32(0), // frame length: 0 for non-framed
  ]);
  const hkdf = suiteId >= 0x0100;
  const key = hkdf
    ? Buffer.from(
        hkdfSync('sha256', dataKey, Buffer.alloc(0), Buffer.concat([u16(suiteId), messageId]), keyLength),
      )
    : dataKey;
  const gcm = (iv: Buffer, aadBytes: Buffer, data: Buffer) => {
    const cipher = createCipheriv(`aes-${keyLength * 8}-gcm` as `aes-256-gcm`, key, iv);
    cipher.setAAD(aadBytes);
    const out = Buffer.concat([cipher.update(data), cipher.final()]);
    return { out, tag: cipher.getAuthTag() };
  };
  const headerIv = Buffer.alloc(12);
  const headerAuth = gcm(headerIv, header, Buffer.alloc(0));
  const bodyIv = Buffer.concat([Buffer.alloc(11), Buffer.of(1)]);
  const bodyAad = Buffer.concat([
    messageId,
    Buffer.from('AWSKMSEncryptionClient Single Block'),
    u32(1),
    u64(plaintext.length),
  ]);
  const body = gcm(bodyIv, bodyAad, plaintext);
  return Buffer.concat([header, headerIv, headerAuth.tag, bodyIv, u64(plaintext.length), body.out, body.tag]);
}

describe('legacy version 1 messages', () => {
  const key = randomBytes(32);
  const keyring = new RawAesKeyring({ keyNamespace: 'legacy', keyName: 'k', wrappingKey: key });
  const allowV1 = { keyring, commitmentPolicy: 'require-encrypt-allow-decrypt' } as const;

  describe('framed, written by the AWS SDK', () => {
    const plaintext = randomBytes(10_000);
    for (const suiteId of V1_SUITES) {
      it(`reads suite ${hex(suiteId)} under require-encrypt-allow-decrypt`, async () => {
        const { result } = await awsLegacy.encrypt(awsRawAes('legacy', 'k', key), plaintext, {
          suiteId: suiteId as never,
          frameLength: 4096,
          encryptionContext: { legacy: 'yes', héllo: 'wörld' },
        });
        const out = await decrypt(result, allowV1);
        expect(out.header.version).to.equal(1);
        expect(out.header.suite.id).to.equal(suiteId);
        expect(out.plaintext.equals(plaintext)).to.equal(true);
        expect(out.encryptionContext).to.include({ legacy: 'yes', héllo: 'wörld' });
      });

      it(`refuses suite ${hex(suiteId)} under the default policy with UnsupportedSuiteError`, async () => {
        const { result } = await awsLegacy.encrypt(awsRawAes('legacy', 'k', key), Buffer.from('x'), {
          suiteId: suiteId as never,
        });
        const error = await decrypt(result, { keyring }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(UnsupportedSuiteError);
        expect((error as Error).message).to.match(/require-encrypt-allow-decrypt/);
      });
    }
  });

  describe('non-framed, built by hand', () => {
    const cases = [
      { suiteId: SuiteId.AES_128_GCM_IV12_TAG16_NO_KDF, keyLength: 16 },
      { suiteId: SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF, keyLength: 32 },
      { suiteId: SuiteId.AES_128_GCM_IV12_TAG16_HKDF_SHA256, keyLength: 16 },
      { suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256, keyLength: 32 },
    ];
    for (const { suiteId, keyLength } of cases) {
      for (const size of [0, 1, 5000]) {
        it(`reads a ${size}-byte non-framed body, suite ${hex(suiteId)}`, async () => {
          const dataKey = randomBytes(keyLength);
          const plaintext = randomBytes(size);
          const message = nonFramedV1(suiteId, dataKey, plaintext, [
            ['a', '1'],
            ['héllo', 'wörld'],
          ]);
          const options = {
            keyring: new FixedKeyKeyring(dataKey),
            commitmentPolicy: 'require-encrypt-allow-decrypt',
          } as const;
          const out = await decrypt(message, options);
          expect(out.plaintext.equals(plaintext)).to.equal(true);
          expect(out.encryptionContext).to.deep.equal({ a: '1', héllo: 'wörld' });

          const parts: Buffer[] = [];
          for await (const part of Readable.from([message]).pipe(decryptStream(options)))
            parts.push(part as Buffer);
          expect(Buffer.concat(parts).equals(plaintext)).to.equal(true);
        });
      }
    }

    it('reads a non-framed body larger than a parallel job with the parallel mode on', async () => {
      // The worker pool's input slabs are sized for JOB_BYTES plus one frame; a non-framed body is
      // one frame of any length, so it gets a slab of its own size.
      const dataKey = randomBytes(32);
      const plaintext = randomBytes(3 * 1024 * 1024 + 7);
      const message = nonFramedV1(SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256, dataKey, plaintext, []);
      const options = {
        keyring: new FixedKeyKeyring(dataKey),
        commitmentPolicy: 'require-encrypt-allow-decrypt',
        parallel: { workers: 2 },
      } as const;
      expect((await decrypt(message, options)).plaintext.equals(plaintext)).to.equal(true);
      message[message.length - 40]! ^= 0x01;
      expect(await decrypt(message, options).catch((e: unknown) => e)).to.be.instanceOf(
        DecryptionFailedError,
      );
    });

    it('rejects a non-framed body whose ciphertext was altered', async () => {
      const dataKey = randomBytes(16);
      const message = nonFramedV1(SuiteId.AES_128_GCM_IV12_TAG16_NO_KDF, dataKey, randomBytes(100), []);
      message[message.length - 40]! ^= 0x01;
      const error = await decrypt(message, {
        keyring: new FixedKeyKeyring(dataKey),
        commitmentPolicy: 'require-encrypt-allow-decrypt',
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DecryptionFailedError);
    });
  });
});
