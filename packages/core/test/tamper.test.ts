import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BodyFormatError,
  DecryptionFailedError,
  decrypt,
  decryptMessage,
  decryptStream,
  EnvelopeError,
  encrypt,
  inspectMessage,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';

const keyring = new RawAesKeyring({ keyNamespace: 'tamper', keyName: 'k', wrappingKey: randomBytes(32) });
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const SUITES = [UNSIGNED, SIGNED] as const;
const hex = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;

const contextKey = fc
  .string({ minLength: 1, maxLength: 8, unit: 'grapheme' })
  .filter((k) => !k.startsWith('aws-crypto-'));
const context = fc.dictionary(contextKey, fc.string({ maxLength: 16, unit: 'grapheme' }), { maxKeys: 4 });

/** What a streaming decrypt emitted before it ended, and the error it ended with, if any. */
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

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('message integrity', () => {
  describe('round trip', () => {
    it('decrypts what it encrypted for any plaintext, context, frame length and suite', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 5000 }),
          context,
          fc.integer({ min: 1, max: 2048 }),
          fc.constantFrom(...SUITES),
          async (pt, encryptionContext, frameLength, suiteId) => {
            const plaintext = Buffer.from(pt);
            const { ciphertext } = await encrypt(plaintext, {
              keyring,
              encryptionContext,
              frameLength,
              suiteId,
            });
            const out = await decrypt(ciphertext, { keyring, requiredEncryptionContext: encryptionContext });
            expect(out.plaintext.equals(plaintext)).to.equal(true);
            // Signed suites add the verification key under the reserved name; nothing else is added.
            const { 'aws-crypto-public-key': publicKey, ...rest } = out.encryptionContext;
            expect(rest).to.deep.equal(encryptionContext);
            expect(publicKey === undefined).to.equal(suiteId === UNSIGNED);
            const streamed = await streamDecrypt(ciphertext, 1 + (plaintext.length % 300));
            expect(streamed.error).to.equal(undefined);
            expect(streamed.emitted.equals(plaintext)).to.equal(true);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  for (const suiteId of SUITES) {
    const signed = suiteId === SIGNED;
    describe(`tampering, suite ${hex(suiteId)}`, () => {
      const frameLength = 256;
      const regularFrames = 6;
      const plaintext = randomBytes(frameLength * regularFrames + 100);
      let ciphertext: Buffer;
      let bodyStart: number;
      before(async () => {
        ({ ciphertext } = await encrypt(plaintext, {
          keyring,
          frameLength,
          suiteId,
          encryptionContext: { a: 'b' },
        }));
        bodyStart = (await inspectMessage([ciphertext])).raw.length;
      });

      /** Index of the frame holding byte `at` (0 for the header; `regularFrames` for the final frame and footer). */
      function frameOf(at: number): number {
        if (at < bodyStart) return 0;
        // A v2 regular frame: sequence number (4) ‖ IV (12) ‖ content ‖ tag (16).
        return Math.min(Math.floor((at - bodyStart) / (frameLength + 32)), regularFrames);
      }

      it('rejects any single flipped bit with a typed error and never releases the damaged frame', async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length * 8 - 1 }), async (bit) => {
            const tampered = Buffer.from(ciphertext);
            tampered[bit >> 3]! ^= 1 << (bit & 7);

            const buffered = await rejection(decrypt(tampered, { keyring }));
            expect(buffered, `bit ${bit}`).to.be.instanceOf(EnvelopeError);

            const { emitted, error } = await streamDecrypt(tampered);
            expect(error, `stream, bit ${bit}`).to.be.instanceOf(EnvelopeError);
            // Only whole, authentic frames before the damaged one: a prefix of the plaintext.
            expect(emitted.length % frameLength, `bit ${bit}`).to.equal(0);
            expect(emitted.length, `bit ${bit}`).to.be.at.most(frameOf(bit >> 3) * frameLength);
            expect(plaintext.subarray(0, emitted.length).equals(emitted)).to.equal(true);
            if (signed) expect(emitted.length).to.be.at.most(regularFrames * frameLength);
          }),
          { numRuns: 120 },
        );
      });

      it('flips every bit of the header and the first frame without a non-Envelope error', async () => {
        const end = Math.min(ciphertext.length, bodyStart + frameLength + 32);
        for (let at = 0; at < end; at++) {
          const tampered = Buffer.from(ciphertext);
          tampered[at]! ^= 1 << (at % 8);
          const error = await rejection(decrypt(tampered, { keyring }));
          expect(error, `byte ${at}`).to.be.instanceOf(EnvelopeError);
        }
      });

      it('rejects the message truncated at any offset, buffered and streaming', async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length - 1 }), async (cut) => {
            const truncated = ciphertext.subarray(0, cut);
            expect(await rejection(decrypt(truncated, { keyring })), `cut ${cut}`).to.be.instanceOf(
              EnvelopeError,
            );
            const { emitted, error } = await streamDecrypt(truncated);
            expect(error, `stream, cut ${cut}`).to.be.instanceOf(EnvelopeError);
            expect(emitted.length).to.be.lessThan(plaintext.length);
            expect(plaintext.subarray(0, emitted.length).equals(emitted)).to.equal(true);
          }),
          { numRuns: 100 },
        );
      });

      it('rejects trailing bytes after the message with BodyFormatError', async () => {
        for (const garbage of [Buffer.of(0), randomBytes(1000)]) {
          const message = Buffer.concat([ciphertext, garbage]);
          expect(await rejection(decrypt(message, { keyring }))).to.be.instanceOf(BodyFormatError);
          expect((await streamDecrypt(message)).error).to.be.instanceOf(BodyFormatError);
        }
      });
    });
  }

  it('rejects a small message truncated at every offset', async () => {
    const { ciphertext } = await encrypt('short', { keyring, suiteId: UNSIGNED, frameLength: 2 });
    for (let cut = 0; cut < ciphertext.length; cut++) {
      const error = await rejection(decrypt(ciphertext.subarray(0, cut), { keyring }));
      expect(error, `cut ${cut}`).to.be.instanceOf(EnvelopeError);
    }
  });

  it('holds back the final frame of a signed message until its signature verifies', async () => {
    const frameLength = 100;
    const plaintext = randomBytes(frameLength * 3 + 10);
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength, suiteId: SIGNED });
    const forged = Buffer.from(ciphertext);
    forged[forged.length - 1]! ^= 1; // in the signature only: every frame still authenticates
    const { emitted, error } = await streamDecrypt(forged);
    expect(error).to.be.instanceOf(DecryptionFailedError);
    expect(emitted.equals(plaintext.subarray(0, frameLength * 3))).to.equal(true);
  });

  it('holds back the last frame with content when the final frame is empty', async () => {
    const frameLength = 100;
    const plaintext = randomBytes(frameLength * 3); // three full frames, then an empty final frame
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength, suiteId: SIGNED });
    const forged = Buffer.from(ciphertext);
    forged[forged.length - 1]! ^= 1;
    const { emitted, error } = await streamDecrypt(forged);
    expect(error).to.be.instanceOf(DecryptionFailedError);
    expect(emitted.equals(plaintext.subarray(0, frameLength * 2))).to.equal(true);
  });

  it('never releases any byte of the last frame with content before the signature verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        async (frameLength, fullFrames, extra) => {
          const length = fullFrames * frameLength + Math.min(extra, frameLength - 1);
          const plaintext = randomBytes(length);
          const { ciphertext } = await encrypt(plaintext, { keyring, frameLength, suiteId: SIGNED });
          const forged = Buffer.from(ciphertext);
          forged[forged.length - 1]! ^= 1;
          const { emitted, error } = await streamDecrypt(forged, 1 + (length % 150));
          expect(error).to.be.instanceOf(DecryptionFailedError);
          const lastContentStart = length === 0 ? 0 : Math.floor((length - 1) / frameLength) * frameLength;
          expect(
            emitted.equals(plaintext.subarray(0, lastContentStart)),
            `${length} bytes, frames of ${frameLength}`,
          ).to.equal(true);
          const { emitted: all, error: none } = await streamDecrypt(ciphertext, 1 + (length % 150));
          expect(none).to.equal(undefined);
          expect(all.equals(plaintext)).to.equal(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('releases each earlier frame of a signed message once the next frame with content verified', async () => {
    const frameLength = 1000;
    const plaintext = randomBytes(frameLength * 5);
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength, suiteId: SIGNED });
    const bodyStart = (await inspectMessage([ciphertext])).raw.length;
    let sent = 0;
    async function* source() {
      for (let at = 0; at < ciphertext.length; at += 100) {
        sent = Math.min(at + 100, ciphertext.length);
        yield ciphertext.subarray(at, sent);
      }
    }
    const readAt: number[] = [];
    for await (const _ of decryptMessage(source(), { keyring })) readAt.push(sent);
    // A v2 regular frame: sequence number (4) + IV (12) + content + tag (16). Frame 1 is released
    // once frame 2 has been read whole, so at most two frames are held.
    expect(readAt[0]).to.be.at.most(bodyStart + 2 * (frameLength + 32) + 100);
  });
});
