import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { runCipher } from '../core/index.js';

/**
 * The wrapping algorithms of AWS KMS key import ("Encrypt the key material", KMS developer guide):
 * RSA-OAEP of the material itself, or RSA-OAEP of a fresh AES-256 key that wraps the material with
 * AES Key Wrap with Padding (RFC 5649). MGF1 uses the same hash as OAEP, as in KMS.
 */
export const WRAPPING_ALGORITHMS = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
] as const;
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];

export const WRAPPING_KEY_SPECS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 } as const;
export type WrappingKeySpec = keyof typeof WRAPPING_KEY_SPECS;

/** RFC 5649 §3 alternative initial value; node:crypto needs it spelled out for `id-aes256-wrap-pad`. */
const KWP_IV = Buffer.from('a65959a6', 'hex');

const oaep = (algorithm: WrappingAlgorithm) => ({
  padding: constants.RSA_PKCS1_OAEP_PADDING,
  oaepHash: algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256',
});

/**
 * Wraps key material for ImportKeyMaterial under the wrapping public key (DER SPKI) that
 * GetParametersForImport returned, as an importer does before sending it to KMS.
 */
export function wrapKeyMaterial(
  wrappingPublicKey: Uint8Array,
  algorithm: WrappingAlgorithm,
  material: Uint8Array,
): Buffer {
  const key = createPublicKey({ key: Buffer.from(wrappingPublicKey), format: 'der', type: 'spki' });
  if (algorithm.startsWith('RSAES_OAEP')) return publicEncrypt({ key, ...oaep(algorithm) }, material);
  // A fresh AES key per call: the key-wrap key is used exactly once, so nothing can repeat under it.
  const aesKey = randomBytes(32);
  try {
    const cipher = createCipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
    const wrapped = Buffer.concat([cipher.update(material), cipher.final()]);
    return Buffer.concat([publicEncrypt({ key, ...oaep(algorithm) }, aesKey), wrapped]);
  } finally {
    aesKey.fill(0);
  }
}

/** Undoes `wrapKeyMaterial` with the wrapping private key; throws on any mismatch (caller maps it). */
export function unwrapKeyMaterial(
  wrappingPrivateKey: KeyObject,
  algorithm: WrappingAlgorithm,
  wrapped: Buffer,
): Buffer {
  if (algorithm.startsWith('RSAES_OAEP')) {
    return privateDecrypt({ key: wrappingPrivateKey, ...oaep(algorithm) }, wrapped);
  }
  const modulusBytes = (wrappingPrivateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (wrapped.length <= modulusBytes) throw new Error('wrapped key material is too short');
  const aesKey = privateDecrypt(
    { key: wrappingPrivateKey, ...oaep(algorithm) },
    wrapped.subarray(0, modulusBytes),
  );
  try {
    const decipher = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
    return runCipher(decipher, wrapped.subarray(modulusBytes));
  } finally {
    aesKey.fill(0);
  }
}
