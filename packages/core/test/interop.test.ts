import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decrypt, encrypt, RawAesKeyring, RawRsaKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import { awsRawAes, awsRawRsa, awsV2 } from './support/aws-sdk.js';

const SUITES = [
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
];
const CONTEXTS: Record<string, string>[] = [
  {},
  { tenant: 'acme', purpose: 'interop' },
  { a: '1', héllo: 'wörld', zé: 'é', z: 'last', 日本: '語' },
];

function sizes(frame: number): number[] {
  return [0, 1, frame - 1, frame, frame + 1, 3 * frame + 7];
}

async function ours(
  keyring: RawAesKeyring | RawRsaKeyring,
  plaintext: Buffer,
  suiteId: number,
  frameLength: number,
  encryptionContext: Record<string, string>,
) {
  return (await encrypt(plaintext, { keyring, suiteId, frameLength, encryptionContext })).ciphertext;
}

describe('interoperability with @aws-crypto/client-node', () => {
  describe('raw AES keyrings', () => {
    for (const keyLength of [16, 24, 32]) {
      const key = randomBytes(keyLength);
      const mine = new RawAesKeyring({
        keyNamespace: 'interop',
        keyName: `aes-${keyLength * 8}`,
        wrappingKey: key,
      });
      const theirs = () => awsRawAes('interop', `aes-${keyLength * 8}`, key);
      for (const suiteId of SUITES) {
        for (const frameLength of [1024, 4096, 65536]) {
          for (const [c, encryptionContext] of CONTEXTS.entries()) {
            // Every size at 4096 bytes; at other frame lengths, the boundary sizes with one context.
            if (frameLength !== 4096 && c !== 1) continue;
            const name = `AES-${keyLength * 8}, suite 0x0${suiteId.toString(16)}, frame ${frameLength}, context #${c}`;
            it(`their messages decrypt with ours and ours with theirs: ${name}`, async () => {
              for (const size of sizes(frameLength)) {
                const plaintext = randomBytes(size);
                const { result } = await awsV2.encrypt(theirs(), plaintext, {
                  suiteId: suiteId as never,
                  frameLength,
                  encryptionContext,
                });
                const mineOut = await decrypt(result, { keyring: mine });
                expect(mineOut.plaintext.equals(plaintext), `theirs→ours ${size}`).to.equal(true);
                expect(mineOut.encryptionContext).to.include(encryptionContext);

                const ciphertext = await ours(mine, plaintext, suiteId, frameLength, encryptionContext);
                const theirsOut = await awsV2.decrypt(theirs(), ciphertext);
                expect(Buffer.from(theirsOut.plaintext).equals(plaintext), `ours→theirs ${size}`).to.equal(
                  true,
                );
                expect(theirsOut.messageHeader.encryptionContext).to.include(encryptionContext);
              }
            });
          }
        }
      }
    }

    it('interoperates on a several-MiB message in both directions', async () => {
      const key = randomBytes(32);
      const mine = new RawAesKeyring({ keyNamespace: 'interop', keyName: 'big', wrappingKey: key });
      const plaintext = randomBytes(5 * 1024 * 1024 + 3);
      const { result } = await awsV2.encrypt(awsRawAes('interop', 'big', key), plaintext);
      expect((await decrypt(result, { keyring: mine })).plaintext.equals(plaintext)).to.equal(true);
      const { ciphertext } = await encrypt(plaintext, { keyring: mine });
      const back = await awsV2.decrypt(awsRawAes('interop', 'big', key), ciphertext);
      expect(Buffer.from(back.plaintext).equals(plaintext)).to.equal(true);
    });
  });

  describe('raw RSA keyrings', () => {
    const pem = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    for (const hash of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      for (const suiteId of SUITES) {
        it(`OAEP-${hash.toUpperCase()}, suite 0x0${suiteId.toString(16)}: both directions`, async () => {
          const mine = new RawRsaKeyring({
            keyNamespace: 'interop',
            keyName: 'rsa',
            privateKey: pem.privateKey,
            padding: `oaep-${hash}`,
          });
          const theirs = awsRawRsa('interop', 'rsa', pem, hash);
          for (const size of [0, 1, 4097]) {
            const plaintext = randomBytes(size);
            const { result } = await awsV2.encrypt(theirs, plaintext, {
              suiteId: suiteId as never,
              encryptionContext: { k: 'v' },
            });
            expect((await decrypt(result, { keyring: mine })).plaintext.equals(plaintext)).to.equal(true);
            const ciphertext = await ours(mine, plaintext, suiteId, 4096, { k: 'v' });
            expect(
              Buffer.from((await awsV2.decrypt(theirs, ciphertext)).plaintext).equals(plaintext),
            ).to.equal(true);
          }
        });
      }
    }
  });
});
