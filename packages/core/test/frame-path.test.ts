import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, RawAesKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  BodyAadContent,
  bodyAad,
  finalFrameHeader,
  framedBodyLength,
  regularFrameHeader,
} from '../src/format/body.js';
import { uint32, uint64 } from '../src/format/byte-reader.js';
import { ChunkQueue } from '../src/stream/chunk-queue.js';
import { FrameReader } from '../src/stream/frame-reader.js';
import { OutputBuffer } from '../src/stream/output-buffer.js';
import { readHeader } from '../src/stream/read-header.js';

const keyring = new RawAesKeyring({ keyNamespace: 'f', keyName: 'k', wrappingKey: randomBytes(32) });
const UNSIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
const SIGNED = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

describe('frame path', () => {
  describe('body AAD and frame headers (message-body.md, message-body-aad.md)', () => {
    it('writes the same bytes as the field-by-field concatenation', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 16, maxLength: 32 }),
          fc.integer({ min: 1, max: 0xfffffffe }),
          fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.constant(2 ** 36 - 32)),
          (id, seq, length) => {
            const messageId = Buffer.from(id);
            for (const content of Object.values(BodyAadContent)) {
              const spec = Buffer.concat([messageId, content, uint32(seq), uint64(length)]);
              expect(bodyAad(messageId, content, seq, length)).to.deep.equal(spec);
            }
            const iv = randomBytes(12);
            expect(regularFrameHeader(seq, iv)).to.deep.equal(Buffer.concat([uint32(seq), iv]));
            const final = Buffer.concat([uint32(0xffffffff), uint32(seq), iv, uint32(length >>> 0)]);
            expect(finalFrameHeader(seq, iv, length >>> 0)).to.deep.equal(final);
          },
        ),
      );
    });

    it('computes the framed body length encrypt writes', async () => {
      for (const n of [0, 1, 100, 4095, 4096, 4097, 3 * 4096]) {
        const { ciphertext, header } = await encrypt(randomBytes(n), {
          keyring,
          suiteId: UNSIGNED,
          frameLength: 4096,
        });
        const parsed = await readHeader(new ChunkQueue([ciphertext]), {
          maxEncryptedDataKeys: 10,
          maxFrameLength: 2 ** 20,
        });
        expect(ciphertext.length - parsed.raw.length, `plaintext of ${n}`).to.equal(
          framedBodyLength(n, header.frameLength, header.suite),
        );
      }
    });
  });

  describe('FrameReader', () => {
    it('reads the frame structure of a message in memory without waiting on the event loop', async () => {
      const { ciphertext } = await encrypt(randomBytes(3 * 1024 + 5), {
        keyring,
        suiteId: UNSIGNED,
        frameLength: 1024,
      });
      const queue = new ChunkQueue([ciphertext]);
      const parsed = await readHeader(queue, { maxEncryptedDataKeys: 10, maxFrameLength: 2 ** 20 });
      const reader = new FrameReader(queue, parsed.header, 2 ** 20, () => {});
      const lengths: number[] = [];
      for (;;) {
        const frame = reader.next();
        expect(frame).not.to.be.instanceOf(Promise);
        if (!frame || frame instanceof Promise) break;
        const content = reader.content(frame);
        expect(content).not.to.be.instanceOf(Promise);
        lengths.push(frame.length);
      }
      expect(lengths).to.deep.equal([1024, 1024, 1024, 5]);
      await reader.assertEnd();
    });
  });

  describe('OutputBuffer', () => {
    it('gathers pieces into the buffer reserved for them', () => {
      const out = new OutputBuffer();
      out.reserve(10);
      out.push(Buffer.from('abc'));
      out.push(Buffer.from('defg'));
      const result = out.result();
      expect(result.toString()).to.equal('abcdefg');
      // The unused tail of the allocation is zero-filled, not uninitialized memory.
      expect(Buffer.from(result.buffer, result.byteOffset + 7, 3)).to.deep.equal(Buffer.alloc(3));
    });

    it('falls back to concatenation when a piece overflows the reservation', () => {
      const out = new OutputBuffer();
      out.reserve(4);
      out.push(Buffer.from('abc'));
      out.push(Buffer.from('defg'));
      out.push(Buffer.from('h'));
      expect(out.result().toString()).to.equal('abcdefgh');
    });

    it('returns each piece as stored: adjacent views of the output, or the piece kept by reference', () => {
      const out = new OutputBuffer();
      out.reserve(6);
      const a = out.pushStored(Buffer.from('abc'));
      const b = out.pushStored(Buffer.from('de'));
      expect(a.toString() + b.toString()).to.equal('abcde');
      expect(b.buffer).to.equal(a.buffer);
      expect(b.byteOffset).to.equal(a.byteOffset + 3);
      const overflow = Buffer.from('fgh');
      expect(out.pushStored(overflow)).to.equal(overflow);
      expect(out.result().toString()).to.equal('abcdefgh');
    });

    it('zero-fills a piece it was told to wipe once copied, and everything on zero()', () => {
      const out = new OutputBuffer();
      out.reserve(8);
      const piece = Buffer.from('secret');
      out.push(piece, true);
      expect(piece).to.deep.equal(Buffer.alloc(6));
      const kept = Buffer.from('more');
      out.push(kept); // overflows: kept by reference
      out.zero();
      expect(kept).to.deep.equal(Buffer.alloc(4));
      expect(out.result()).to.deep.equal(Buffer.alloc(10));
    });
  });

  describe('buffer API', () => {
    for (const [name, suiteId] of [
      ['0x0478', UNSIGNED],
      ['0x0578', SIGNED],
    ] as const) {
      it(`round-trips around frame boundaries (${name})`, async () => {
        for (const n of [0, 1, 4095, 4096, 4097, 2 * 4096 + 7]) {
          const plaintext = randomBytes(n);
          const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: 4096 });
          expect((await decrypt(ciphertext, { keyring })).plaintext).to.deep.equal(plaintext);
        }
      });
    }

    it('returns the lone frame of a one-frame message as its own buffer, not a copy', async () => {
      for (const suiteId of [UNSIGNED, SIGNED]) {
        const plaintext = randomBytes(1024);
        const { ciphertext } = await encrypt(plaintext, { keyring, suiteId });
        const result = (await decrypt(ciphertext, { keyring })).plaintext;
        expect(result).to.deep.equal(plaintext);
        // The decipher's output, whole: not a view of an output reserved at the ciphertext's length.
        expect(result.byteOffset).to.equal(0);
        expect(result.buffer.byteLength).to.equal(plaintext.length);
      }
    });

    it('gathers a message of several frames into one buffer', async () => {
      const plaintext = randomBytes(3 * 1024 + 5);
      const { ciphertext } = await encrypt(plaintext, { keyring, suiteId: UNSIGNED, frameLength: 1024 });
      expect((await decrypt(ciphertext, { keyring })).plaintext).to.deep.equal(plaintext);
      const empty = await encrypt(Buffer.alloc(0), { keyring, suiteId: UNSIGNED });
      expect((await decrypt(empty.ciphertext, { keyring })).plaintext).to.deep.equal(Buffer.alloc(0));
    });
  });
});
