import { createHash, createVerify, randomBytes } from 'node:crypto';
import { decrypt, encrypt, inspectMessage, RawAesKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import { framedBodyLength } from '../src/format/body.js';
import { RegionHash } from '../src/stream/region-hash.js';
import { getSuite } from '../src/suites/algorithm-suites.js';
import { importVerificationKey } from '../src/suites/signature.js';

const keyring = new RawAesKeyring({ keyNamespace: 'r', keyName: 'k', wrappingKey: randomBytes(32) });
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

/** Records each update's bytes (copied at the time of the call) into a reference hash. */
function recordingHash() {
  const updates: Buffer[] = [];
  return { updates, update: (bytes: Buffer) => updates.push(Buffer.from(bytes)) };
}

describe('RegionHash (the buffer paths hash a signed message in contiguous regions)', () => {
  it('hashes adjacent views of one buffer as one region, and a piece elsewhere on its own', () => {
    const whole = randomBytes(100);
    const elsewhere = randomBytes(10);
    const hash = recordingHash();
    const regions = new RegionHash(hash, 1000);
    regions.update(whole.subarray(0, 16));
    regions.update(whole.subarray(16, 80));
    regions.update(whole.subarray(80, 80)); // empty: nothing
    regions.update(whole.subarray(80, 100));
    regions.update(elsewhere);
    regions.update(whole.subarray(0, 5)); // same memory, not adjacent: a new region
    regions.flush();
    regions.flush();
    expect(hash.updates).to.deep.equal([whole, elsewhere, whole.subarray(0, 5)]);
  });

  it('hashes a region as soon as it reaches the region size', () => {
    const whole = randomBytes(300);
    const hash = recordingHash();
    const regions = new RegionHash(hash, 128);
    for (let at = 0; at < 300; at += 50) regions.update(whole.subarray(at, at + 50));
    expect(hash.updates.map((b) => b.length)).to.deep.equal([150, 150]);
    regions.flush();
    expect(hash.updates).to.have.length(2);
  });

  it('feeds the hash exactly the bytes of the pieces, in order, however they are cut', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        fc.array(fc.tuple(fc.nat(300), fc.boolean()), { maxLength: 30 }),
        fc.integer({ min: 1, max: 700 }),
        (bytes, cuts, regionBytes) => {
          const whole = Buffer.from(bytes);
          const pieces: Buffer[] = [];
          let at = 0;
          for (const [length, copied] of cuts) {
            const piece = whole.subarray(at, Math.min(at + length, whole.length));
            // A copy lives in other memory: never merged with its neighbours.
            pieces.push(copied ? Buffer.from(piece) : piece);
            at += piece.length;
          }
          pieces.push(whole.subarray(at));
          const reference = createHash('sha384').update(whole).digest();
          const hash = createHash('sha384');
          const regions = new RegionHash(hash, regionBytes);
          for (const piece of pieces) regions.update(piece);
          regions.flush();
          expect(hash.digest()).to.deep.equal(reference);
        },
      ),
    );
  });
});

describe('signed messages through the buffer API, hashed in regions', () => {
  const suite = getSuite(SIGNED);
  // Sizes around the 256 KiB region: short of it, exactly on it, and several regions.
  for (const [length, frameLength] of [
    [0, 4096],
    [1000, 64],
    [256 * 1024 - 200, 4096],
    [256 * 1024, 256 * 1024],
    [1024 * 1024 + 7, 4096],
    [3 * 1024 * 1024, 65536],
  ] as const) {
    it(`signs exactly the header and body bytes: ${length} bytes, frames of ${frameLength}`, async () => {
      const plaintext = randomBytes(length);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: SIGNED, frameLength });
      const header = await inspectMessage([ciphertext]);
      const signed =
        header.raw.length + framedBodyLength(length, frameLength, { ivLength: 12, tagLength: 16 });
      const footerLength = ciphertext.readUInt16BE(signed);
      expect(signed + 2 + footerLength).to.equal(ciphertext.length);
      const point = Buffer.from(header.header.encryptionContext['aws-crypto-public-key']!, 'base64');
      const key = importVerificationKey(suite.signature!, point);
      // A reference verifier over the whole message at once.
      const signature = ciphertext.subarray(signed + 2);
      expect(createVerify('sha384').update(ciphertext.subarray(0, signed)).verify(key, signature)).to.equal(
        true,
      );
      expect((await decrypt(ciphertext, { keyring })).plaintext.equals(plaintext)).to.equal(true);
    });
  }
});
