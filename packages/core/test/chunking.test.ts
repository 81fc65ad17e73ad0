import { randomBytes } from 'node:crypto';
import {
  decrypt,
  decryptMessage,
  encrypt,
  inspectMessage,
  MultiKeyring,
  RawAesKeyring,
  rewrapMessage,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import { chunksOf, meterWork } from './support/work-meter.js';

const keyring = new RawAesKeyring({ keyNamespace: 'chunks', keyName: 'k', wrappingKey: randomBytes(32) });
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const KiB = 1024;

async function decryptPieces(chunks: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for await (const piece of decryptMessage(chunks, { keyring })) pieces.push(piece);
  return pieces;
}

async function* slowly(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

// The sender chooses the frame length and, in effect, how its bytes are chunked: whatever it
// chooses, a reader's cost must stay linear in the input (security issue #8).
describe('streaming decrypt cost, whatever the chunk sizes', () => {
  for (const suiteId of [UNSIGNED, SIGNED]) {
    it(`does O(bytes + chunks) work for 64 KiB frames fed 1 byte at a time, suite 0x0${suiteId.toString(16)}`, async () => {
      const plaintext = randomBytes(128 * KiB);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: 64 * KiB });
      const chunks = chunksOf(ciphertext, 1);
      const { result, work } = await meterWork(() => decryptPieces(slowly(chunks)));
      expect(Buffer.concat(result).equals(plaintext)).to.equal(true);
      // Shifting each consumed chunk off the queue moved ~chunks²/2 elements (2·10⁹ here).
      expect(work, `work ${work} for ${ciphertext.length} one-byte chunks`).to.be.at.most(
        4 * (ciphertext.length + chunks.length),
      );
    });
  }

  it('does O(chunks) work, copying nothing, for an 8 MiB frame fed in 4 KiB chunks', async () => {
    const plaintext = randomBytes(8 * 1024 * KiB);
    const { ciphertext } = await encrypt(plaintext, {
      keyring,
      suiteId: UNSIGNED,
      frameLength: 8 * 1024 * KiB,
    });
    const chunks = chunksOf(ciphertext, 4 * KiB);
    const { result, work } = await meterWork(() => decryptPieces(slowly(chunks)));
    expect(Buffer.concat(result).equals(plaintext)).to.equal(true);
    // Chunks this size are queued as views; shifting each off the queue moved ~chunks²/2 elements.
    expect(work, `work ${work} for ${chunks.length} chunks`).to.be.at.most(8 * chunks.length);
  });

  it('reads a header of 200 encrypted data keys fed 1 byte at a time with O(header) work', async () => {
    const children = Array.from(
      { length: 199 },
      (_, i) => new RawAesKeyring({ keyNamespace: 'chunks', keyName: `k${i}`, wrappingKey: randomBytes(32) }),
    );
    const multi = new MultiKeyring({ generator: keyring, children });
    const { ciphertext } = await encrypt('x', { keyring: multi, suiteId: UNSIGNED });
    const headerLength = (await inspectMessage([ciphertext], { maxEncryptedDataKeys: 200 })).raw.length;
    expect(headerLength).to.be.greaterThan(16 * KiB);
    const chunks = chunksOf(ciphertext, 1);
    const { result, work } = await meterWork(() =>
      inspectMessage(slowly(chunks), { maxEncryptedDataKeys: 200 }),
    );
    expect(result.header.encryptedDataKeys).to.have.length(200);
    // Re-concatenating everything buffered after each field (~1200 of them) copied ~12 MB here.
    expect(work, `work ${work} for a ${headerLength}-byte header`).to.be.at.most(8 * ciphertext.length);
  });

  it('hands the reader pieces per 4 KiB of plaintext, not one per input byte', async () => {
    const plaintext = randomBytes(64 * KiB);
    const frameLength = 16 * KiB;
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: SIGNED, frameLength });
    const pieces = await decryptPieces(chunksOf(ciphertext, 1));
    expect(Buffer.concat(pieces).equals(plaintext)).to.equal(true);
    // Each piece is one decipher.update call and one output buffer; a frame may split at most once
    // at each coalesced 64 KiB boundary and once at each frame boundary.
    const frames = plaintext.length / frameLength + 1;
    expect(pieces.length).to.be.at.most(plaintext.length / (4 * KiB) + 2 * frames);
  });

  it('decrypts and rewraps the same bytes under any mix of tiny, medium and large chunks', async () => {
    const plaintext = randomBytes(200 * KiB);
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: SIGNED, frameLength: 48 * KiB });
    const size = fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 4 * KiB - 2, max: 4 * KiB + 2 }),
      fc.integer({ min: 60 * KiB, max: 70 * KiB }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 40 }), async (sizes) => {
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < ciphertext.length; i++) {
          const n = sizes[i % sizes.length]!;
          chunks.push(ciphertext.subarray(at, at + n));
          at += n;
        }
        expect(Buffer.concat(await decryptPieces(chunks)).equals(plaintext)).to.equal(true);
        expect(Buffer.concat(await decryptPieces(slowly(chunks))).equals(plaintext)).to.equal(true);
        const rewrapped: Buffer[] = [];
        for await (const part of rewrapMessage(slowly(chunks), { keyring, newKeyring: keyring }))
          rewrapped.push(part);
        expect((await decrypt(Buffer.concat(rewrapped), { keyring })).plaintext.equals(plaintext)).to.equal(
          true,
        );
      }),
      { numRuns: 25 },
    );
  });
});
