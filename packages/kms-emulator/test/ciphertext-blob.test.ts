import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  blobAad,
  canonicalEncryptionContext,
  headAad,
  parseBlob,
  serializeBlob,
  serializeBlobHeader,
} from '../src/aws/ciphertext-blob.js';
import { KmsEngine, MemoryResourceStore } from '../src/index.js';

/** The layout in the file's header comment, written out piece by piece (the reference for the bytes). */
const prefixed = (text: string | Buffer) => {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
};
const referenceHeader = (h: { accountId: string; keyId: string; versionId: string }) =>
  Buffer.concat([Buffer.from([1]), prefixed(h.accountId), prefixed(h.keyId), prefixed(h.versionId)]);
const referenceContext = (context: Record<string, string>) => {
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const count = Buffer.alloc(2);
  count.writeUInt16BE(pairs.length);
  return Buffer.concat([count, ...pairs.flatMap(([k, v]) => [prefixed(k), prefixed(v)])]);
};

describe('ciphertext blob', () => {
  it('writes header, blob, context and AAD bytes exactly as the documented layout', () => {
    fc.assert(
      fc.property(
        fc.record({ accountId: fc.string(), keyId: fc.string({ unit: 'binary' }), versionId: fc.string() }),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })),
        fc.uint8Array({ maxLength: 64 }),
        (header, context, ct) => {
          const [iv, tag] = [randomBytes(12), randomBytes(16)];
          expect(serializeBlobHeader(header)).to.deep.equal(referenceHeader(header));
          expect(serializeBlob({ ...header, iv, ciphertext: Buffer.from(ct), tag })).to.deep.equal(
            Buffer.concat([referenceHeader(header), iv, Buffer.from(ct), tag]),
          );
          expect(canonicalEncryptionContext(context)).to.deep.equal(referenceContext(context));
          const aad = blobAad(header, context);
          expect(aad).to.deep.equal(
            Buffer.concat([
              Buffer.from('envelope-kms-emulator:blob:v1'),
              referenceHeader(header),
              referenceContext(context),
            ]),
          );
          expect(blobAad(header, undefined)).to.deep.equal(
            Buffer.concat([
              Buffer.from('envelope-kms-emulator:blob:v1'),
              referenceHeader(header),
              Buffer.alloc(2),
            ]),
          );
        },
      ),
    );
  });

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
          const serialized = serializeBlob(blob);
          const { head, ...fields } = parseBlob(serialized)!;
          expect(fields).to.deep.equal(blob);
          expect(head.equals(serializeBlobHeader(blob))).to.equal(true);
          expect(headAad(head, { a: '1' }).equals(blobAad(blob, { a: '1' }))).to.equal(true);
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
