import { hkdfSync } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { getSuite } from '../src/suites/algorithm-suites.js';
import { hkdfExpand, hkdfExtract } from '../src/suites/hkdf.js';
import { deriveMessageKeys, openMessageKey } from '../src/suites/key-derivation.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function hkdf(hash: string, ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = hkdfExtract(hash, ikm, salt);
  return hkdfExpand(hash, prk, info, length);
}

describe('HKDF (one extract, HMAC expands)', () => {
  // RFC 5869 appendix A, test cases 1 and 3 (SHA-256; the second with empty salt and info).
  it('reproduces the RFC 5869 test vectors', () => {
    const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
    const prk1 = hkdfExtract('sha256', ikm, hex('000102030405060708090a0b0c'));
    expect(prk1.toString('hex')).to.equal('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(hkdfExpand('sha256', prk1, hex('f0f1f2f3f4f5f6f7f8f9'), 42).toString('hex')).to.equal(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
    const prk3 = hkdfExtract('sha256', ikm, Buffer.alloc(0));
    expect(prk3.toString('hex')).to.equal('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(hkdfExpand('sha256', prk3, Buffer.alloc(0), 42).toString('hex')).to.equal(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('is byte-identical to node:crypto hkdfSync for any hash, key, salt, info and length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sha256', 'sha384', 'sha512'),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.integer({ min: 1, max: 255 * 32 }),
        (hash, ikm, salt, info, length) => {
          const [i, s, n] = [Buffer.from(ikm), Buffer.from(salt), Buffer.from(info)];
          const expected = Buffer.from(hkdfSync(hash, i, s, n, length));
          expect(hkdf(hash, i, s, n, length).equals(expected)).to.equal(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a length HKDF cannot produce', () => {
    const prk = Buffer.alloc(32);
    expect(() => hkdfExpand('sha256', prk, Buffer.alloc(0), 255 * 32 + 1)).to.throw(RangeError);
    expect(() => hkdfExpand('sha256', prk, Buffer.alloc(0), 0)).to.throw(RangeError);
  });
});

describe('message key derivation', () => {
  // framework/algorithm-suites.md: content key = HKDF(dataKey, salt = message id, info = suite id ||
  // "DERIVEKEY"), commitment key = HKDF(dataKey, salt = message id, info = "COMMITKEY"), both SHA-512.
  for (const id of [0x0478, 0x0578]) {
    it(`matches two hkdfSync derivations for suite 0x0${id.toString(16)}`, () => {
      const suite = getSuite(id);
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          (dk, mid) => {
            const [dataKey, messageId] = [Buffer.from(dk), Buffer.from(mid)];
            const info = Buffer.concat([Buffer.of(id >> 8, id & 0xff), Buffer.from('DERIVEKEY')]);
            const key = Buffer.from(hkdfSync('sha512', dataKey, messageId, info, 32));
            const commit = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.from('COMMITKEY'), 32));
            const derived = deriveMessageKeys(suite, dataKey, messageId);
            expect(derived.key.equals(key)).to.equal(true);
            expect(derived.commitmentKey.equals(commit)).to.equal(true);
            expect(openMessageKey(suite, dataKey, messageId, commit).equals(key)).to.equal(true);
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it('matches hkdfSync with a zero salt for the v1 HKDF suites', () => {
    const suite = getSuite(0x0178);
    const dataKey = Buffer.alloc(32, 7);
    const messageId = Buffer.alloc(16, 9);
    const info = Buffer.concat([Buffer.of(0x01, 0x78), messageId]);
    const expected = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32));
    expect(deriveMessageKeys(suite, dataKey, messageId).key.equals(expected)).to.equal(true);
  });
});
