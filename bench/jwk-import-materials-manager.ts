import { createPublicKey, ECDH, type KeyObject } from 'node:crypto';
import {
  DecryptionMaterials,
  type DecryptionMaterialsRequest,
  DefaultMaterialsManager,
  type EncryptionMaterials,
  type EncryptionMaterialsRequest,
  type Keyring,
  type MaterialsManager,
} from '@envelope/core';

/**
 * The 0x0578 decrypt baseline of issue #15: Envelope's default materials manager as it was when the
 * issue was filed, importing the message's verification key by decompressing the point and
 * importing a JWK (the code of core's first signature.ts), where the default manager now imports
 * SPKI DER. Everything else (keyring, key derivation, frames, signature check) is today's code, so
 * the difference measured is the import alone; this manager also skips the default one's context
 * checks, which only makes the baseline faster and the measured gain smaller.
 */
export class JwkImportMaterialsManager implements MaterialsManager {
  readonly #inner: DefaultMaterialsManager;

  constructor(private readonly keyring: Keyring) {
    this.#inner = new DefaultMaterialsManager(keyring);
  }

  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    return this.#inner.getEncryptionMaterials(request);
  }

  async getDecryptionMaterials({
    suite,
    encryptionContext,
    encryptedDataKeys,
  }: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const encoded = encryptionContext['aws-crypto-public-key'];
    const verificationKey =
      suite.signature && encoded !== undefined
        ? importAsJwk(suite.signature, Buffer.from(encoded, 'base64'))
        : undefined;
    const materials = new DecryptionMaterials(suite, encryptionContext, verificationKey);
    await this.keyring.onDecrypt(materials, encryptedDataKeys);
    return materials;
  }
}

function importAsJwk(
  algorithm: NonNullable<DecryptionMaterialsRequest['suite']['signature']>,
  compressed: Buffer,
): KeyObject {
  const point = ECDH.convertKey(compressed, algorithm.curve, undefined, undefined, 'uncompressed') as Buffer;
  const coordinateLength = (point.length - 1) / 2;
  return createPublicKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: algorithm.jwkCurve,
      x: point.subarray(1, 1 + coordinateLength).toString('base64url'),
      y: point.subarray(1 + coordinateLength).toString('base64url'),
    },
  });
}
