import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runCipher } from '../src/core/index.js';

describe('runCipher (one output buffer, plaintext pieces wiped)', () => {
  const key = randomBytes(32);

  /** A decipher whose update() output is kept for the test to inspect. */
  function watched(decipher: ReturnType<typeof createDecipheriv>): { outputs: Buffer[] } {
    const outputs: Buffer[] = [];
    const update = decipher.update.bind(decipher) as (data: Uint8Array) => Buffer;
    decipher.update = ((data: Uint8Array) => {
      const out = update(data);
      outputs.push(out);
      return out;
    }) as typeof decipher.update;
    return { outputs };
  }

  it('returns what update and final give, for GCM (no tail) and CBC with padding (a tail)', () => {
    const plaintext = randomBytes(45);
    const iv = randomBytes(12);
    const gcm = createCipheriv('aes-256-gcm', key, iv);
    const sealed = runCipher(gcm, plaintext);
    const open = createDecipheriv('aes-256-gcm', key, iv);
    open.setAuthTag(gcm.getAuthTag());
    expect(runCipher(open, sealed).equals(plaintext)).to.equal(true);

    const cbcIv = randomBytes(16);
    const cbc = runCipher(createCipheriv('aes-256-cbc', key, cbcIv), plaintext);
    expect(cbc).to.have.length(48);
    const decipher = createDecipheriv('aes-256-cbc', key, cbcIv);
    const { outputs } = watched(decipher);
    expect(runCipher(decipher, cbc).equals(plaintext)).to.equal(true);
    // update() held the first 32 plaintext bytes; final() added the rest: the copy is the only one left.
    expect(outputs[0]!.length).to.equal(32);
    expect(outputs[0]!.every((byte) => byte === 0)).to.equal(true);
  });

  it('zero-fills the unauthenticated plaintext and rethrows when the GCM tag does not verify', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = runCipher(cipher, randomBytes(32));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(Buffer.alloc(16));
    const { outputs } = watched(decipher);
    expect(() => runCipher(decipher, sealed)).to.throw(/authenticate/);
    expect(outputs).to.have.length(1);
    expect(outputs[0]!.length).to.equal(32);
    expect(
      outputs[0]!.every((byte) => byte === 0),
      'unauthenticated plaintext wiped',
    ).to.equal(true);
  });
});
