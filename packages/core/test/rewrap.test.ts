import { hkdfSync, randomBytes } from 'node:crypto';
import {
  CommitmentPolicy,
  DecryptionFailedError,
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  InvalidArgumentError,
  inspectMessage,
  type Keyring,
  MultiKeyring,
  NoDataKeyError,
  RawAesKeyring,
  type RewrapOptions,
  rewrap,
  rewrapMessage,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import { awsLegacy, awsRawAes, awsV2 } from './support/aws-sdk.js';

const COMMIT = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const COMMIT_SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

/** A raw AES keyring that records (a copy of) every data key it sets or wraps, for the oracle below. */
class RecordingKeyring implements Keyring {
  readonly description: string;
  readonly inner: RawAesKeyring;
  readonly dataKeys: Buffer[] = [];
  constructor(
    readonly name: string,
    readonly key = randomBytes(32),
  ) {
    this.inner = new RawAesKeyring({ keyNamespace: 'dr', keyName: name, wrappingKey: key });
    this.description = this.inner.description;
  }
  async onEncrypt(materials: EncryptionMaterials) {
    await this.inner.onEncrypt(materials);
    this.dataKeys.push(Buffer.from(materials.dataKey));
    return materials;
  }
  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    await this.inner.onDecrypt(materials, edks);
    if (materials.hasDataKey) this.dataKeys.push(Buffer.from(materials.dataKey));
    return materials;
  }
  get lastDataKey(): Buffer {
    return this.dataKeys.at(-1)!;
  }
  aws() {
    return awsRawAes('dr', this.name, this.key);
  }
}

/**
 * The content key, computed from the specification (framework/algorithm-suites.md, "Key
 * Derivation") rather than by the code under test.
 */
function contentKey(suiteId: number, dataKey: Buffer, messageId: Buffer, commitment: boolean): Buffer {
  const id = Buffer.from([suiteId >> 8, suiteId & 0xff]);
  const hash = { 376: 'sha256', 888: 'sha384', 1144: 'sha512', 1400: 'sha512' }[suiteId];
  if (!hash) return dataKey; // NO_KDF
  return commitment
    ? Buffer.from(hkdfSync(hash, dataKey, messageId, Buffer.concat([id, Buffer.from('DERIVEKEY')]), 32))
    : Buffer.from(hkdfSync(hash, dataKey, Buffer.alloc(0), Buffer.concat([id, messageId]), 32));
}

/** Every IV a message uses, read from its bytes: the header's, then each frame's (message-body.md). */
async function ivsOf(message: Buffer): Promise<Buffer[]> {
  const parsed = await inspectMessage([message]);
  const ivs = [parsed.headerIv];
  let at = parsed.length;
  if (parsed.header.contentType === 1) return [...ivs, message.subarray(at, at + 12)];
  for (;;) {
    const marker = message.readUInt32BE(at);
    if (marker === 0xffffffff) {
      ivs.push(message.subarray(at + 8, at + 20));
      return ivs;
    }
    ivs.push(message.subarray(at + 4, at + 16));
    at += 16 + parsed.header.frameLength + 16;
  }
}

async function keyIvPairs(message: Buffer, dataKey: Buffer): Promise<string[]> {
  const { header } = await inspectMessage([message]);
  const key = contentKey(header.suite.id, dataKey, header.messageId, header.suite.commitment);
  return (await ivsOf(message)).map((iv) => `${key.toString('hex')}:${iv.toString('hex')}`);
}

async function collect(message: Buffer, options: RewrapOptions): Promise<{ out: Buffer; error?: Error }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of rewrapMessage([message], options)) parts.push(part);
    return { out: Buffer.concat(parts) };
  } catch (error) {
    return { out: Buffer.concat(parts), error: error as Error };
  }
}

describe('rewrap', () => {
  const plaintext = randomBytes(200_000);

  describe('(key, IV) pairs', () => {
    it('never repeats a (content key, IV) pair of the original, for every suite, mode and size', async () => {
      const cases = fc.record({
        suiteId: fc.constantFrom(
          COMMIT,
          COMMIT_SIGNED,
          SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
          SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
          SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF,
        ),
        add: fc.boolean(),
        size: fc.integer({ min: 0, max: 5000 }),
        frameLength: fc.constantFrom(1, 7, 256, 1024),
      });
      await fc.assert(
        fc.asyncProperty(cases, async ({ suiteId, add, size, frameLength }) => {
          const legacy = suiteId < 0x0400;
          const commitmentPolicy = legacy
            ? CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
            : CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT;
          const east = new RecordingKeyring('us-east-1');
          const west = new RecordingKeyring('us-west-2');
          const data = randomBytes(size);
          const { ciphertext } = await encrypt(data, {
            keyring: east,
            suiteId,
            frameLength,
            commitmentPolicy,
          });
          const canAdd = suiteId === COMMIT || suiteId === SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256;
          const mode = add && canAdd ? 'add' : 'replace';
          const result = await rewrap(ciphertext, {
            keyring: east,
            newKeyring: west,
            mode,
            commitmentPolicy,
          });
          const original = await keyIvPairs(ciphertext, east.dataKeys[0]!);
          const rewrapped = await keyIvPairs(result.ciphertext, west.lastDataKey);

          expect(result.after.messageId.equals(result.before.messageId)).to.equal(false);
          expect(new Set(original).size, 'pairs within the original').to.equal(original.length);
          expect(new Set(rewrapped).size, 'pairs within the rewrapped message').to.equal(rewrapped.length);
          for (const pair of rewrapped) expect(original).not.to.include(pair);
          expect(result.dataKey).to.equal(mode === 'add' ? 'kept' : 'replaced');
          expect(west.lastDataKey.equals(east.dataKeys[0]!)).to.equal(mode === 'add');
          const { plaintext: out } = await decrypt(result.ciphertext, { keyring: west, commitmentPolicy });
          expect(out.equals(data)).to.equal(true);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe("mode 'add'", () => {
    it('keeps the data key and every wrapped key, adds the new one, and writes a new message', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const { ciphertext, header } = await encrypt(plaintext, {
        keyring: east,
        suiteId: COMMIT,
        frameLength: 4096,
        encryptionContext: { app: 'ledger' },
      });
      const result = await rewrap(ciphertext, { keyring: east, newKeyring: west, mode: 'add' });
      expect(result.dataKey).to.equal('kept');
      expect(result.after.encryptedDataKeys).to.have.length(2);
      expect(result.after.encryptedDataKeys[0]).to.deep.equal(header.encryptedDataKeys[0]);
      expect(result.after.messageId.equals(header.messageId)).to.equal(false);
      expect(result.after.encryptionContext).to.deep.equal({ app: 'ledger' });
      for (const ring of [east, west]) {
        expect((await decrypt(result.ciphertext, { keyring: ring })).plaintext.equals(plaintext)).to.equal(
          true,
        );
        const theirs = await awsV2.decrypt(ring.aws(), result.ciphertext);
        expect(Buffer.from(theirs.plaintext).equals(plaintext)).to.equal(true);
      }
    });

    it('is refused for signed suites, NO_KDF suites and a change of suite, naming the fix', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const signed = await encrypt('x', { keyring: east, suiteId: COMMIT_SIGNED });
      const noKdf = await encrypt('x', {
        keyring: east,
        suiteId: SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF,
        commitmentPolicy: CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
      });
      const unsigned = await encrypt('x', { keyring: east, suiteId: COMMIT });
      const attempts: [Buffer, RewrapOptions][] = [
        [signed.ciphertext, { keyring: east, newKeyring: west, mode: 'add' }],
        [
          noKdf.ciphertext,
          {
            keyring: east,
            newKeyring: west,
            mode: 'add',
            commitmentPolicy: CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
          },
        ],
        [unsigned.ciphertext, { keyring: east, newKeyring: west, mode: 'add', suiteId: COMMIT_SIGNED }],
      ];
      for (const [message, options] of attempts) {
        const { out, error } = await collect(message, options);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error?.message).to.match(/use mode 'replace'/);
        expect(out).to.have.length(0);
      }
    });
  });

  describe("mode 'replace'", () => {
    it('wraps a fresh data key under the new master keys only, so a removed key cannot decrypt', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const { ciphertext } = await encrypt(plaintext, {
        keyring: new MultiKeyring({ generator: east, children: [west] }),
        suiteId: COMMIT,
      });
      const result = await rewrap(ciphertext, { keyring: west, newKeyring: west });
      expect(result.dataKey).to.equal('replaced');
      expect(result.after.encryptedDataKeys).to.have.length(1);
      expect(west.lastDataKey.equals(east.dataKeys[0]!)).to.equal(false);
      const error = await decrypt(result.ciphertext, { keyring: east }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect((await decrypt(result.ciphertext, { keyring: west })).plaintext.equals(plaintext)).to.equal(
        true,
      );
    });

    it('re-signs a signed message with a fresh key pair, readable by the AWS SDK', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const north = new RecordingKeyring('eu-north-1');
      const { ciphertext, header } = await encrypt(plaintext, {
        keyring: east,
        encryptionContext: { app: 'ledger' },
      });
      const result = await rewrap(ciphertext, {
        keyring: east,
        newKeyring: new MultiKeyring({ generator: east, children: [west, north] }),
      });
      expect(result.after.suite.id).to.equal(COMMIT_SIGNED);
      expect(result.after.encryptionContext.app).to.equal('ledger');
      expect(result.after.encryptionContext['aws-crypto-public-key']).to.be.a('string');
      expect(result.after.encryptionContext['aws-crypto-public-key']).not.to.equal(
        header.encryptionContext['aws-crypto-public-key'],
      );
      for (const ring of [east, west, north]) {
        const { plaintext: out } = await decrypt(result.ciphertext, { keyring: ring });
        expect(out.equals(plaintext)).to.equal(true);
        const theirs = await awsV2.decrypt(ring.aws(), result.ciphertext);
        expect(Buffer.from(theirs.plaintext).equals(plaintext)).to.equal(true);
      }
    });

    it('takes another frame length and suite when asked, and upgrades a legacy message by default', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const legacy = await awsLegacy.encrypt(east.aws(), plaintext, {
        suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
        frameLength: 1000,
      });
      const upgraded = await rewrap(Buffer.from(legacy.result), {
        keyring: east,
        newKeyring: west,
        commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
        frameLength: 65536,
      });
      expect(upgraded.before.suite.id).to.equal(SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256);
      expect(upgraded.after.suite.id).to.equal(COMMIT);
      expect(upgraded.after.frameLength).to.equal(65536);
      expect((await decrypt(upgraded.ciphertext, { keyring: west })).plaintext.equals(plaintext)).to.equal(
        true,
      );
    });

    it('refuses a rewrap whose new keyring makes no data key', async () => {
      const east = new RecordingKeyring('us-east-1');
      const { ciphertext } = await encrypt('x', { keyring: east, suiteId: COMMIT });
      const silent: Keyring = {
        description: 'silent',
        onEncrypt: async (m) => m,
        onDecrypt: async (m) => m,
      };
      const { out, error } = await collect(ciphertext, { keyring: east, newKeyring: silent });
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(out).to.have.length(0);
    });
  });

  describe('damaged input', () => {
    it('never produces a complete message from a tampered original (any bit, any suite, any mode)', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      const messages = await Promise.all(
        [COMMIT, COMMIT_SIGNED].map(async (suiteId) => ({
          suiteId,
          ciphertext: (await encrypt(randomBytes(3000), { keyring: east, suiteId, frameLength: 512 }))
            .ciphertext,
        })),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...messages),
          fc.nat(),
          fc.integer({ min: 0, max: 7 }),
          fc.boolean(),
          async ({ suiteId, ciphertext }, at, bit, add) => {
            const tampered = Buffer.from(ciphertext);
            tampered[at % tampered.length]! ^= 1 << bit;
            const mode = add && suiteId === COMMIT ? 'add' : 'replace';
            const { out, error } = await collect(tampered, { keyring: east, newKeyring: west, mode });
            expect(error, 'a tampered message is refused').to.be.instanceOf(Error);
            // Whatever was emitted before the failure is not a message anyone can decrypt.
            const partial = await decrypt(out, { keyring: west }).catch((e: Error) => e);
            expect(partial).to.be.instanceOf(Error);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('refuses a body whose tag or signature is wrong with DecryptionFailedError', async () => {
      const east = new RecordingKeyring('us-east-1');
      const west = new RecordingKeyring('us-west-2');
      for (const suiteId of [COMMIT, COMMIT_SIGNED]) {
        const { ciphertext } = await encrypt(plaintext, { keyring: east, suiteId });
        const tampered = Buffer.from(ciphertext);
        tampered[tampered.length - 10]! ^= 1;
        const { error } = await collect(tampered, { keyring: east, newKeyring: west });
        expect(error).to.be.instanceOf(DecryptionFailedError);
      }
    });
  });
});
