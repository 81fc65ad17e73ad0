import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalEncryptionContext, parseBlob, serializeBlob } from '../src/aws/ciphertext-blob.js';
import { KmsEngine, MemoryResourceStore } from '../src/index.js';

describe('ciphertext blob', () => {
  it('round-trips any header and body', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.uint8Array({ maxLength: 64 }),
        (accountId, keyId, versionId, ct) => {
          const blob = {
            accountId,
            keyId,
            versionId,
            iv: randomBytes(12),
            ciphertext: Buffer.from(ct),
            tag: randomBytes(16),
          };
          expect(parseBlob(serializeBlob(blob))).to.deep.equal(blob);
        },
      ),
    );
  });

  it('serializes the encryption context independently of member order', () => {
    expect(
      canonicalEncryptionContext({ b: '2', a: '1' }).equals(canonicalEncryptionContext({ a: '1', b: '2' })),
    ).to.equal(true);
    expect(canonicalEncryptionContext({ a: '1' }).equals(canonicalEncryptionContext({ a: '2' }))).to.equal(
      false,
    );
  });

  it('rejects every single-byte tampering of a real blob', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const ctx = engine.context('us-east-1');
    const { KeyMetadata } = await engine.execute('CreateKey', {}, ctx);
    const keyId = (KeyMetadata as { KeyId: string }).KeyId;
    const { CiphertextBlob } = await engine.execute(
      'Encrypt',
      { KeyId: keyId, Plaintext: Buffer.from('p'), EncryptionContext: { a: 'b' } },
      ctx,
    );
    const blob = CiphertextBlob as Buffer;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: blob.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, flip) => {
          const tampered = Buffer.from(blob);
          tampered[index]! ^= flip;
          let name = 'none';
          try {
            await engine.execute('Decrypt', { CiphertextBlob: tampered, EncryptionContext: { a: 'b' } }, ctx);
          } catch (error) {
            name = (error as Error).name;
          }
          expect(['InvalidCiphertextException', 'NotFoundException']).to.include(name);
        },
      ),
      { numRuns: 60 },
    );
  });
});
