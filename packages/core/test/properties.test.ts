import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DecryptionFailedError,
  decrypt,
  decryptStream,
  EnvelopeError,
  encrypt,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';

const keyring = new RawAesKeyring({ keyNamespace: 'prop', keyName: 'k', wrappingKey: randomBytes(32) });
const suites = fc.constantFrom(
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
);
const context = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('aws-crypto-')),
  fc.string({ maxLength: 16 }),
  { maxKeys: 4 },
);

/** Everything a streaming decrypt emitted before it ended, and how it ended. */
async function streamDecrypt(message: Buffer, chunk = 97): Promise<{ emitted: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(message.length / chunk) }, (_, i) =>
    message.subarray(i * chunk, (i + 1) * chunk),
  );
  try {
    for await (const part of Readable.from(chunks).pipe(decryptStream({ keyring })))
      parts.push(part as Buffer);
    return { emitted: Buffer.concat(parts) };
  } catch (error) {
    return { emitted: Buffer.concat(parts), error };
  }
}

describe('properties', () => {
  it('round-trips any plaintext, context, frame length and suite', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        context,
        fc.integer({ min: 1, max: 2048 }),
        suites,
        async (pt, ec, frameLength, suiteId) => {
          const plaintext = Buffer.from(pt);
          const { ciphertext } = await encrypt(plaintext, {
            keyring,
            encryptionContext: ec,
            frameLength,
            suiteId,
          });
          const out = await decrypt(ciphertext, { keyring, requiredEncryptionContext: ec });
          expect(out.plaintext.equals(plaintext)).to.equal(true);
          expect(
            (await streamDecrypt(ciphertext, 1 + (plaintext.length % 300))).emitted.equals(plaintext),
          ).to.equal(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects any single flipped bit with a typed error and never emits the damaged frame', async () => {
    const frameLength = 256;
    const plaintext = randomBytes(frameLength * 6 + 100);
    for (const suiteId of [
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ]) {
      const { ciphertext } = await encrypt(plaintext, { keyring, frameLength, suiteId });
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length * 8 - 1 }), async (bit) => {
          const tampered = Buffer.from(ciphertext);
          tampered[bit >> 3]! ^= 1 << (bit & 7);
          const buffered = await decrypt(tampered, { keyring }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(buffered, `bit ${bit}`).to.be.instanceOf(EnvelopeError);

          const { emitted, error } = await streamDecrypt(tampered);
          expect(error, `stream, bit ${bit}`).to.be.instanceOf(EnvelopeError);
          // Only whole, authentic frames before the damage may have been released: a prefix of the
          // plaintext, a whole number of frames, and never the final frame of a signed message.
          expect(emitted.length % frameLength).to.equal(0);
          expect(plaintext.subarray(0, emitted.length).equals(emitted)).to.equal(true);
          expect(emitted.length).to.be.lessThan(plaintext.length);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('rejects a message truncated anywhere', async () => {
    const { ciphertext } = await encrypt(randomBytes(3000), { keyring, frameLength: 512 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length - 1 }), async (cut) => {
        const error = await decrypt(ciphertext.subarray(0, cut), { keyring }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(EnvelopeError);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects trailing bytes after the message', async () => {
    const { ciphertext } = await encrypt('hello', {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    const error = await decrypt(Buffer.concat([ciphertext, Buffer.of(0)]), { keyring }).catch(
      (e: Error) => e,
    );
    expect((error as EnvelopeError).code).to.equal('ENVELOPE_BODY_INVALID');
  });

  it('holds back the final frame of a signed message until its signature verifies', async () => {
    const frameLength = 100;
    const plaintext = randomBytes(frameLength * 3 + 10);
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength });
    const forged = Buffer.from(ciphertext);
    forged[forged.length - 1]! ^= 1; // in the signature only: every frame still authenticates
    const { emitted, error } = await streamDecrypt(forged);
    expect(error).to.be.instanceOf(DecryptionFailedError);
    expect(emitted.equals(plaintext.subarray(0, frameLength * 3))).to.equal(true);
  });
});
