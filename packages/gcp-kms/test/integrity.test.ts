import { crc32c, GcpKmsKeyring, KmsIntegrityError } from '@envelope/gcp-kms';
import { expect } from 'chai';
import { FakeCloudKms, KEY_A, KEY_B } from './support/fake-cloud-kms.js';
import { unwrapWith, wrapWith } from './support/materials.js';

/** Runs `work` and returns what it threw (failing the test when it did not throw). */
async function rejection(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  expect.fail('expected a rejection');
}

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('Cloud KMS end-to-end integrity (CRC32C, verified flags, key name)', () => {
  describe('Encrypt', () => {
    const cases: Array<[string, (r: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
      [
        'verified_plaintext_crc32c false',
        (r) => ({ ...r, verifiedPlaintextCrc32c: false }),
        /plaintext checksum/,
      ],
      [
        'verified_plaintext_crc32c absent',
        (r) => ({ ...r, verifiedPlaintextCrc32c: undefined }),
        /plaintext checksum/,
      ],
      [
        'verified_additional_authenticated_data_crc32c false',
        (r) => ({ ...r, verifiedAdditionalAuthenticatedDataCrc32c: false }),
        /AAD checksum/,
      ],
      [
        'a version of another key in name',
        (r) => ({ ...r, name: `${KEY_B}/cryptoKeyVersions/1` }),
        /not a version of the requested key/,
      ],
      [
        'a key prefix trick in name',
        (r) => ({ ...r, name: `${KEY_A}x/cryptoKeyVersions/1` }),
        /not a version of the requested key/,
      ],
      ['no name', (r) => ({ ...r, name: undefined }), /not a version of the requested key/],
      [
        'a ciphertext_crc32c that does not match',
        (r) => ({ ...r, ciphertextCrc32c: { value: '12345' } }),
        /ciphertext_crc32c/,
      ],
      ['no ciphertext_crc32c', (r) => ({ ...r, ciphertextCrc32c: null }), /ciphertext_crc32c/],
      [
        'a ciphertext altered in transit',
        (r) => ({ ...r, ciphertext: Buffer.concat([r.ciphertext as Buffer, Buffer.from([0])]) }),
        /ciphertext_crc32c/,
      ],
    ];
    for (const [what, tamper, message] of cases) {
      it(`refuses a response with ${what}`, async () => {
        const kms = new FakeCloudKms();
        kms.tamperEncrypt = tamper as never;
        const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: fast });
        const error = await rejection(wrapWith(keyring));
        expect(error).to.be.instanceOf(KmsIntegrityError);
        expect(error.message).to.match(message).and.include(KEY_A);
        expect((error as KmsIntegrityError).code).to.equal('ENVELOPE_KMS_INTEGRITY_FAILED');
      });
    }

    it('sends the CRC32C of the data key and of the serialized encryption context on every call', async () => {
      const kms = new FakeCloudKms();
      const seen: Array<{ plaintext: number; aad: number; expected: [number, number] }> = [];
      const encrypt = kms.encrypt.bind(kms);
      kms.encrypt = async (request, options) => {
        seen.push({
          plaintext: request.plaintextCrc32c.value,
          aad: request.additionalAuthenticatedDataCrc32c.value,
          expected: [crc32c(request.plaintext), crc32c(request.additionalAuthenticatedData)],
        });
        return encrypt(request, options);
      };
      await wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, keyNames: [KEY_B], client: kms }), {});
      expect(seen).to.have.length(2);
      for (const s of seen) expect([s.plaintext, s.aad]).to.deep.equal(s.expected);
    });

    it('retries a response corrupted in transit, within the attempt budget', async () => {
      const kms = new FakeCloudKms();
      let corrupt = 1;
      kms.tamperEncrypt = (r) => (corrupt-- > 0 ? { ...r, ciphertextCrc32c: { value: 1 } } : r);
      const { edks } = await wrapWith(
        new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: fast }),
      );
      expect(edks).to.have.length(1);
      expect(kms.calls).to.have.length(2);
    });

    it('does not retry a response for another key', async () => {
      const kms = new FakeCloudKms();
      kms.tamperEncrypt = (r) => ({ ...r, name: `${KEY_B}/cryptoKeyVersions/3` });
      await rejection(wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: fast })));
      expect(kms.calls).to.have.length(1);
    });
  });

  describe('Decrypt', () => {
    async function wrapped() {
      const kms = new FakeCloudKms();
      const keyring = new GcpKmsKeyring({
        generatorKeyName: KEY_A,
        client: kms,
        retry: { ...fast, maxAttempts: 2 },
      });
      const { dataKey, edks } = await wrapWith(keyring);
      return { kms, keyring, dataKey, edks };
    }

    it('returns the data key when every check passes', async () => {
      const { keyring, dataKey, edks } = await wrapped();
      expect(await unwrapWith(keyring, edks)).to.deep.equal(dataKey);
    });

    const cases: Array<[string, (r: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
      [
        'a plaintext_crc32c that does not match',
        (r) => ({ ...r, plaintextCrc32c: { value: 7 } }),
        /plaintext_crc32c/,
      ],
      ['no plaintext_crc32c', (r) => ({ ...r, plaintextCrc32c: undefined }), /plaintext_crc32c/],
      [
        'a plaintext altered in transit',
        (r) => {
          const p = Buffer.from(r.plaintext as Buffer);
          p[0]! ^= 1;
          return { ...r, plaintext: p };
        },
        /plaintext_crc32c/,
      ],
      [
        'a plaintext of the wrong length (with a matching CRC32C)',
        (r) => {
          const p = Buffer.alloc(16, 1);
          return { ...r, plaintext: p, plaintextCrc32c: { value: crc32c(p) } };
        },
        /not a 32-byte data key/,
      ],
    ];
    for (const [what, tamper, message] of cases) {
      it(`refuses a response with ${what}, and zero-fills what it received`, async () => {
        const { kms, keyring, edks } = await wrapped();
        const handedOut: Buffer[] = [];
        kms.tamperDecrypt = (r) => {
          const out = tamper(r as Record<string, unknown>) as { plaintext: Buffer };
          handedOut.push(out.plaintext);
          return out;
        };
        const error = await rejection(unwrapWith(keyring, edks));
        // unwrapFirst folds the per-EDK error into the keyring's error; the cause is the integrity check.
        expect(error.message).to.match(message).and.include(KEY_A);
        for (const buffer of handedOut) expect(buffer.every((b) => b === 0)).to.equal(true);
      });
    }

    it('sends the CRC32C of the ciphertext and of the AAD', async () => {
      const { kms, keyring, edks } = await wrapped();
      const decrypt = kms.decrypt.bind(kms);
      let checked = false;
      kms.decrypt = async (request, options) => {
        expect(request.ciphertextCrc32c.value).to.equal(crc32c(request.ciphertext));
        expect(request.additionalAuthenticatedDataCrc32c.value).to.equal(
          crc32c(request.additionalAuthenticatedData),
        );
        checked = true;
        return decrypt(request, options);
      };
      await unwrapWith(keyring, edks);
      expect(checked).to.equal(true);
    });

    it('zero-fills the plaintext buffer the client handed back once the data key is copied', async () => {
      const { kms, keyring, edks } = await wrapped();
      await unwrapWith(keyring, edks);
      expect(kms.plaintextsReturned).to.have.length(1);
      expect(kms.plaintextsReturned[0]!.every((b) => b === 0)).to.equal(true);
    });
  });
});
