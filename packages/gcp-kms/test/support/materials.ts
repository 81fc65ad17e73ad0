import {
  DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionContext,
  EncryptionMaterials,
  getSuite,
  type Keyring,
  SuiteId,
} from '@envelope/core';

const SUITE = getSuite(SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY);

/** Runs a keyring's onEncrypt on fresh materials; returns the data key (a copy) and the EDKs. */
export async function wrapWith(keyring: Keyring, context: EncryptionContext = { app: 'test' }) {
  const materials = await keyring.onEncrypt(new EncryptionMaterials(SUITE, context));
  return { dataKey: Buffer.from(materials.dataKey), edks: materials.encryptedDataKeys };
}

/** Runs a keyring's onDecrypt; returns the data key (a copy) or undefined when the keyring had none of the EDKs. */
export async function unwrapWith(
  keyring: Keyring,
  edks: readonly EncryptedDataKey[],
  context: EncryptionContext = { app: 'test' },
): Promise<Buffer | undefined> {
  const materials = await keyring.onDecrypt(new DecryptionMaterials(SUITE, context), edks);
  return materials.hasDataKey ? Buffer.from(materials.dataKey) : undefined;
}
