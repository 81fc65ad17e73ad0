import { randomBytes } from 'node:crypto';
import {
  CachingMaterialsManager,
  decrypt,
  EncryptionContextMismatchError,
  encrypt,
  getSuite,
  InvalidArgumentError,
  RawAesKeyring,
  SuiteId,
  serializeEncryptionContext,
} from '@envelope/core';
import { expect } from 'chai';
import fc from 'fast-check';
import { rejection } from './support/rejection.js';

const keyring = new RawAesKeyring({ keyNamespace: 'unicode', keyName: 'k', wrappingKey: randomBytes(32) });
const suite = { suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY } as const;

/** A well-formed string with one lone surrogate spliced in. */
const illFormed = fc
  .tuple(
    fc.string({ maxLength: 6, unit: 'grapheme' }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.string({ maxLength: 6, unit: 'grapheme' }),
  )
  .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`)
  .filter((text) => /\p{Surrogate}/u.test(text)); // the unit did not pair with a neighbour

describe('encryption context and Unicode', () => {
  it('refuses a key with a lone surrogate, naming it escaped', async () => {
    const error = await rejection(encrypt('x', { keyring, encryptionContext: { 'tenant\ud800': 'acme' } }));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.message).to.include('"tenant\\ud800"').and.include('not well-formed Unicode');
    expect(error.message).to.not.include('\ud800');
  });

  it('refuses a value with a lone surrogate, naming its key', async () => {
    const error = await rejection(encrypt('x', { keyring, encryptionContext: { tenant: 'ac\udc00me' } }));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.message).to.include('value for key "tenant"').and.include('not well-formed Unicode');
    expect(error.message).to.not.include('\udc00');
  });

  it('refuses any context with a lone surrogate in a key or value', async () => {
    await fc.assert(
      fc.asyncProperty(illFormed, fc.boolean(), async (text, inKey) => {
        const encryptionContext = inKey ? { [text]: 'v' } : { k: text };
        expect(await rejection(encrypt('x', { keyring, encryptionContext }))).to.be.instanceOf(
          InvalidArgumentError,
        );
        expect(() => serializeEncryptionContext(encryptionContext)).to.throw(InvalidArgumentError);
      }),
      { numRuns: 100 },
    );
  });

  it('never serializes two different contexts to the same bytes', () => {
    // Both would have been written as the bytes of U+FFFD.
    expect(() => serializeEncryptionContext({ k: '\ud800' })).to.throw(InvalidArgumentError);
    expect(() => serializeEncryptionContext({ k: '\udbff' })).to.throw(InvalidArgumentError);
    expect(
      serializeEncryptionContext({ k: '\ud83d\ude00' }).equals(serializeEncryptionContext({ k: '😀' })),
    ).to.equal(true);
  });

  it('round-trips any well-formed context and requires it back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc
            .string({ minLength: 1, maxLength: 6, unit: 'binary' })
            .filter((k) => !k.startsWith('aws-crypto-')),
          fc.string({ maxLength: 6, unit: 'binary' }),
          { maxKeys: 3 },
        ),
        async (encryptionContext) => {
          const { ciphertext } = await encrypt('x', { keyring, encryptionContext, ...suite });
          const out = await decrypt(ciphertext, { keyring, requiredEncryptionContext: encryptionContext });
          expect(out.encryptionContext).to.deep.equal(encryptionContext);
        },
      ),
      { numRuns: 50 },
    );
  });

  describe('required pairs on decrypt', () => {
    it('compares them as the UTF-8 bytes the header binds', async () => {
      // What encrypt wrote for 'a\ud800' before it refused lone surrogates: the bytes of U+FFFD.
      const { ciphertext } = await encrypt('x', {
        keyring,
        encryptionContext: { tenant: 'a\ufffd' },
        ...suite,
      });
      const out = await decrypt(ciphertext, { keyring, requiredEncryptionContext: { tenant: 'a\ud800' } });
      expect(out.plaintext.toString()).to.equal('x');
      const error = await rejection(
        decrypt(ciphertext, { keyring, requiredEncryptionContext: { tenant: 'b' } }),
      );
      expect(error).to.be.instanceOf(EncryptionContextMismatchError);
    });

    it('names a missing key escaped', async () => {
      const { ciphertext } = await encrypt('x', { keyring, ...suite });
      const error = await rejection(
        decrypt(ciphertext, { keyring, requiredEncryptionContext: { 'k\udfff': 'v' } }),
      );
      expect(error).to.be.instanceOf(EncryptionContextMismatchError);
      expect(error.message).to.include('"k\\udfff"').and.not.include('\udfff');
    });
  });

  describe('caching materials manager', () => {
    it('does not hand one context the data key cached for another that differs in lone surrogates', async () => {
      const manager = new CachingMaterialsManager({ keyring, maxAgeMs: 60_000 });
      const contexts: Record<string, string>[] = [{ k: '\ud800' }, { k: '\udbff' }, { '\udc00': 'v' }];
      for (const encryptionContext of contexts) {
        const request = { suite: getSuite(suite.suiteId), encryptionContext, plaintextLength: 1 };
        expect(await rejection(manager.getEncryptionMaterials(request))).to.be.instanceOf(
          InvalidArgumentError,
        );
      }
      expect(manager.size).to.equal(0);
    });

    it('refuses a partition that is not well-formed Unicode', () => {
      expect(() => new CachingMaterialsManager({ keyring, maxAgeMs: 1, partition: 'p\ud800' })).to.throw(
        InvalidArgumentError,
        /partition "p\\ud800" is not well-formed Unicode/,
      );
    });
  });
});
