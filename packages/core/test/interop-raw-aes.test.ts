import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decrypt, encrypt, MultiKeyring, RawAesKeyring } from '@envelope/core';
import { expect } from 'chai';
import { awsRawAes, awsV2 } from './support/aws-sdk.js';
import { boundarySizes, COMMITTING_SUITES, CONTEXTS, FRAME_LENGTHS, hex } from './support/interop-cases.js';

interface StoredVectors {
  keyNamespace: string;
  keyName: string;
  wrappingKey: string;
  encryptionContext: Record<string, string>;
  plaintext: string;
  vectors: { suiteId: number; frameLength: number; ciphertext: string }[];
}
const stored = JSON.parse(
  readFileSync(new URL('./fixtures/aws-sdk-raw-aes-vectors.json', import.meta.url), 'utf8'),
) as StoredVectors;

describe('interoperability with @aws-crypto/client-node: raw AES keyrings', () => {
  describe('stored vectors written by the AWS SDK 5.0.2', () => {
    const keyring = new RawAesKeyring({
      keyNamespace: stored.keyNamespace,
      keyName: stored.keyName,
      wrappingKey: Buffer.from(stored.wrappingKey, 'hex'),
    });
    for (const vector of stored.vectors) {
      it(`decrypts the stored suite ${hex(vector.suiteId)} message, frame ${vector.frameLength}`, async () => {
        const out = await decrypt(Buffer.from(vector.ciphertext, 'base64'), {
          keyring,
          commitmentPolicy: 'require-encrypt-allow-decrypt',
          requiredEncryptionContext: stored.encryptionContext,
        });
        expect(out.plaintext.toString('base64')).to.equal(stored.plaintext);
        expect(out.header.suite.id).to.equal(vector.suiteId);
        expect(out.header.frameLength).to.equal(vector.frameLength);
      });
    }
  });

  for (const keyLength of [16, 24, 32]) {
    const bits = keyLength * 8;
    const key = randomBytes(keyLength);
    const ours = new RawAesKeyring({ keyNamespace: 'interop', keyName: `aes-${bits}`, wrappingKey: key });
    const theirs = () => awsRawAes('interop', `aes-${bits}`, key);

    describe(`AES-${bits} wrapping key`, () => {
      for (const suiteId of COMMITTING_SUITES) {
        for (const frameLength of FRAME_LENGTHS) {
          for (const { name, context } of CONTEXTS) {
            for (const size of boundarySizes(frameLength)) {
              const label = `suite ${hex(suiteId)}, frame ${frameLength}, ${name}, ${size} bytes`;

              it(`decrypts their message: ${label}`, async () => {
                const plaintext = randomBytes(size);
                const { result } = await awsV2.encrypt(theirs(), plaintext, {
                  suiteId: suiteId as never,
                  frameLength,
                  encryptionContext: context,
                });
                const out = await decrypt(result, { keyring: ours, requiredEncryptionContext: context });
                expect(out.plaintext.equals(plaintext)).to.equal(true);
                expect(out.header.suite.id).to.equal(suiteId);
                expect(out.header.frameLength).to.equal(frameLength);
                expect(out.encryptionContext).to.include(context);
              });

              it(`their SDK decrypts ours: ${label}`, async () => {
                const plaintext = randomBytes(size);
                const { ciphertext } = await encrypt(plaintext, {
                  keyring: ours,
                  suiteId,
                  frameLength,
                  encryptionContext: context,
                });
                const out = await awsV2.decrypt(theirs(), ciphertext);
                expect(Buffer.from(out.plaintext).equals(plaintext)).to.equal(true);
                expect(out.messageHeader.suiteId).to.equal(suiteId);
                expect(out.messageHeader.encryptionContext).to.include(context);
              });
            }
          }
        }
      }
    });
  }

  describe('a 3 MiB message', () => {
    const key = randomBytes(32);
    const ours = new RawAesKeyring({ keyNamespace: 'interop', keyName: 'big', wrappingKey: key });
    const plaintext = randomBytes(3 * 1024 * 1024 + 5);
    for (const suiteId of COMMITTING_SUITES) {
      it(`round-trips in both directions, suite ${hex(suiteId)}`, async () => {
        const { result } = await awsV2.encrypt(awsRawAes('interop', 'big', key), plaintext, {
          suiteId: suiteId as never,
          encryptionContext: { size: 'big' },
        });
        expect((await decrypt(result, { keyring: ours })).plaintext.equals(plaintext)).to.equal(true);
        const { ciphertext } = await encrypt(plaintext, {
          keyring: ours,
          suiteId,
          encryptionContext: { size: 'big' },
        });
        const back = await awsV2.decrypt(awsRawAes('interop', 'big', key), ciphertext);
        expect(Buffer.from(back.plaintext).equals(plaintext)).to.equal(true);
      });
    }
  });

  describe('multi-keyring', () => {
    it('writes a message that their keyring for either AES key decrypts', async () => {
      const first = randomBytes(32);
      const second = randomBytes(16);
      const multi = new MultiKeyring({
        generator: new RawAesKeyring({ keyNamespace: 'multi', keyName: 'first', wrappingKey: first }),
        children: [new RawAesKeyring({ keyNamespace: 'multi', keyName: 'second', wrappingKey: second })],
      });
      const plaintext = randomBytes(10_000);
      const { ciphertext } = await encrypt(plaintext, { keyring: multi, encryptionContext: { héllo: 'zé' } });
      for (const [name, key] of [
        ['first', first],
        ['second', second],
      ] as const) {
        const out = await awsV2.decrypt(awsRawAes('multi', name, key), ciphertext);
        expect(Buffer.from(out.plaintext).equals(plaintext), name).to.equal(true);
      }
    });
  });
});
