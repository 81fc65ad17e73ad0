import { constants } from 'node:crypto';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode,
} from '@aws-crypto/client-node';

/** The AWS Encryption SDK for JavaScript, as the reference implementation to interoperate with. */
export const awsV2 = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
export const awsLegacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

const WRAPPING = {
  16: RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING,
  24: RawAesWrappingSuiteIdentifier.AES192_GCM_IV12_TAG16_NO_PADDING,
  32: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
} as const;

/** Their raw AES keyring. It zero-fills the key it is given, so it gets its own copy. */
export function awsRawAes(keyNamespace: string, keyName: string, key: Buffer) {
  return new RawAesKeyringNode({
    keyNamespace,
    keyName,
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: WRAPPING[key.length as 16 | 24 | 32],
    utf8Sorting: true,
  });
}

export function awsRawRsa(
  keyNamespace: string,
  keyName: string,
  pem: { publicKey: string; privateKey: string },
  oaepHash: 'sha1' | 'sha256' | 'sha384' | 'sha512',
) {
  return new RawRsaKeyringNode({
    keyNamespace,
    keyName,
    rsaKey: pem,
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash,
  });
}
