import { randomBytes } from 'node:crypto';
import { decrypt, RawAesKeyring, SuiteId, UnsupportedSuiteError } from '@envelope/core';
import { expect } from 'chai';
import { awsLegacy, awsRawAes } from './support/aws-sdk.js';

const V1_SUITES = [
  SuiteId.AES_128_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_192_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_256_GCM_IV12_TAG16_NO_KDF,
  SuiteId.AES_128_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_192_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
  SuiteId.AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256,
  SuiteId.AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
  SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
];

describe('legacy version 1 messages', () => {
  const key = randomBytes(32);
  const keyring = new RawAesKeyring({ keyNamespace: 'legacy', keyName: 'k', wrappingKey: key });
  const plaintext = randomBytes(10_000);

  for (const suiteId of V1_SUITES) {
    it(`reads suite 0x${suiteId.toString(16).padStart(4, '0')} under require-encrypt-allow-decrypt`, async () => {
      const { result } = await awsLegacy.encrypt(awsRawAes('legacy', 'k', key), plaintext, {
        suiteId: suiteId as never,
        frameLength: 4096,
        encryptionContext: { legacy: 'yes' },
      });
      const out = await decrypt(result, { keyring, commitmentPolicy: 'require-encrypt-allow-decrypt' });
      expect(out.header.version).to.equal(1);
      expect(out.plaintext.equals(plaintext)).to.equal(true);
    });
  }

  it('refuses v1 messages under the default policy, naming the policy to use', async () => {
    const { result } = await awsLegacy.encrypt(awsRawAes('legacy', 'k', key), plaintext, {
      suiteId: SuiteId.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 as never,
    });
    const error = (await decrypt(result, { keyring }).catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(UnsupportedSuiteError);
    expect(error.message).to.match(/require-encrypt-allow-decrypt/);
  });
});
