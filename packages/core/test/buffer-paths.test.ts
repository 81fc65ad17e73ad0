import { randomBytes } from 'node:crypto';
import {
  awsEncryptionSdkFormat,
  BodyFormatError,
  DecryptionFailedError,
  decrypt,
  encrypt,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import { rejection } from './support/rejection.js';

const keyring = new RawAesKeyring({ keyNamespace: 'b', keyName: 'k', wrappingKey: randomBytes(32) });
// The same format through its generators: encrypt() and decrypt() take their one-thread fast path
// only for the exported format object itself.
const viaGenerators = { ...awsEncryptionSdkFormat };

describe('buffer API, one thread (frames written straight into the output)', () => {
  for (const suiteId of [
    SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  ]) {
    for (const [length, frameLength] of [
      [0, 64],
      [1, 64],
      [64, 64],
      [1000, 64],
      [100_000, 4096],
    ] as const) {
      it(`reads and is read by the generator path: suite 0x${suiteId.toString(16)}, ${length} bytes, frames of ${frameLength}`, async () => {
        const plaintext = randomBytes(length);
        const encryptionContext = { purpose: 'test' };
        const fast = await encrypt(plaintext, { keyring, suiteId, frameLength, encryptionContext });
        const slow = await encrypt(plaintext, {
          keyring,
          suiteId,
          frameLength,
          encryptionContext,
          format: viaGenerators,
        });
        // A DER signature's length varies by a byte or two; an unsigned message's length is exact.
        if (suiteId === SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY) {
          expect(fast.ciphertext.length).to.equal(slow.ciphertext.length);
        }
        expect(fast.header.frameLength).to.equal(frameLength);
        for (const ciphertext of [fast.ciphertext, slow.ciphertext]) {
          const a = await decrypt(ciphertext, { keyring });
          const b = await decrypt(ciphertext, { keyring, format: viaGenerators });
          expect(a.plaintext.equals(plaintext)).to.equal(true);
          expect(b.plaintext.equals(plaintext)).to.equal(true);
          expect(a.encryptionContext).to.deep.equal(b.encryptionContext);
        }
      });
    }
  }

  it('returns a plaintext of several frames in one allocation of its exact length', async () => {
    for (const suiteId of [
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ]) {
      // A final frame with content, an empty final frame after full ones, and many frames.
      // Small ones too (2,000 bytes in 1 KiB frames): not a view into Node's shared 8 KiB pool.
      for (const [length, frameLength] of [
        [4096 + 1, 4096],
        [3 * 4096, 4096],
        [100_000, 4096],
        [2000, 1024],
        [3000, 512],
      ] as const) {
        const plaintext = randomBytes(length);
        const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength });
        const decrypted = (await decrypt(ciphertext, { keyring })).plaintext;
        expect(decrypted.equals(plaintext)).to.equal(true);
        // Not a view of an allocation at the message's length: the result owns exactly its bytes.
        expect([decrypted.byteOffset, decrypted.buffer.byteLength]).to.deep.equal([0, length]);
      }
    }
  });

  it('rejects a final frame that claims another length, shorter or longer, with a typed error', async () => {
    const plaintext = randomBytes(4096 + 1);
    const { ciphertext } = await encrypt(plaintext, {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      frameLength: 4096,
    });
    // The final frame ends with its content length (4), 1 byte of content and the 16-byte tag.
    const lengthAt = ciphertext.length - 16 - 1 - 4;
    for (const claim of [0, 2, 4096]) {
      const lying = Buffer.from(ciphertext);
      lying.writeUInt32BE(claim, lengthAt);
      const error = await rejection(decrypt(lying, { keyring }));
      expect(error).to.satisfy(
        (e: unknown) => e instanceof DecryptionFailedError || e instanceof BodyFormatError,
      );
    }
  });

  it('takes a string and a Uint8Array view as encrypt() did', async () => {
    const text = await encrypt('héllo', { keyring });
    expect((await decrypt(text.ciphertext, { keyring })).plaintext.toString()).to.equal('héllo');
    const backing = randomBytes(100);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 10, 50);
    const viewed = await encrypt(view, { keyring });
    expect(
      (await decrypt(viewed.ciphertext, { keyring })).plaintext.equals(backing.subarray(10, 60)),
    ).to.equal(true);
  });

  it('rejects a damaged frame, a forged signature and trailing bytes with the same errors', async () => {
    const plaintext = randomBytes(1000);
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength: 100 });
    const damaged = Buffer.from(ciphertext);
    damaged[damaged.length - 300]! ^= 1;
    expect(await rejection(decrypt(damaged, { keyring }))).to.be.instanceOf(DecryptionFailedError);
    const forged = Buffer.from(ciphertext);
    forged[forged.length - 1]! ^= 1;
    expect(await rejection(decrypt(forged, { keyring }))).to.be.instanceOf(DecryptionFailedError);
    const trailing = Buffer.concat([ciphertext, Buffer.of(0)]);
    expect(await rejection(decrypt(trailing, { keyring }))).to.be.instanceOf(BodyFormatError);
  });
});
