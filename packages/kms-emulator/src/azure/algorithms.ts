import {
  type CipherGCMTypes,
  constants,
  createCipheriv,
  createDecipheriv,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { runCipher } from '../core/cipher-output.js';
import { type DigestHash, signDigest, verifyDigest } from '../core/digest-signing.js';
import { type AzureKeyVaultError, badParameter } from './errors.js';
import { isEc, isOct, isRsa, privateKeyOf, publicKeyOf } from './key-material.js';
import type { AzureKeyVersionRecord, Curve } from './records.js';

/**
 * The JSON Web Algorithms each Key Vault operation accepts, per key type. Left out: RSA1_5 (Node
 * refuses PKCS#1 v1.5 private decryption since CVE-2023-46809), ES256K and the `CKM_AES_KEY_WRAP*`
 * names.
 */
export const ENCRYPTION_ALGORITHMS = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC',
  'A192CBC',
  'A256CBC',
  'A128CBCPAD',
  'A192CBCPAD',
  'A256CBCPAD',
] as const;
export const WRAP_ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256', 'A128KW', 'A192KW', 'A256KW'] as const;
export const SIGNATURE_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;

const OAEP_HASH: Readonly<Record<string, string>> = { 'RSA-OAEP': 'sha1', 'RSA-OAEP-256': 'sha256' };
const SIGN_HASH: Readonly<Record<string, DigestHash>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};
const DIGEST_BYTES: Readonly<Record<DigestHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };
const EC_CURVE: Readonly<Record<string, Curve>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

export interface SymmetricParameters {
  iv?: Buffer;
  aad?: Buffer;
  tag?: Buffer;
}

export interface EncryptResult {
  value: Buffer;
  iv?: Buffer;
  tag?: Buffer;
  aad?: Buffer;
}

const invalidAlgorithm = (alg: string, key: AzureKeyVersionRecord): AzureKeyVaultError =>
  badParameter(`Algorithm '${alg}' is not valid for a key of type '${key.kty}'.`);

const decryptionFailed = (): AzureKeyVaultError => badParameter('Unable to decrypt specified value.');

/** The AES bits an `A128…`/`A192…`/`A256…` algorithm needs, checked against the key. */
function aesBits(alg: string, key: AzureKeyVersionRecord): number {
  if (!isOct(key.kty)) throw invalidAlgorithm(alg, key);
  const bits = Number(alg.slice(1, 4));
  if (bits !== key.keySize)
    throw badParameter(`Algorithm '${alg}' needs a ${bits}-bit key; this key has ${key.keySize} bits.`);
  return bits;
}

function checkIv(iv: Buffer | undefined, length: number, alg: string): Buffer {
  if (!iv || iv.length !== length)
    throw badParameter(`Algorithm '${alg}' requires an iv of ${length} bytes.`);
  return iv;
}

/** `material` is the unwrapped key material; callers zero-fill it afterwards. */
export function encrypt(
  key: AzureKeyVersionRecord,
  material: Buffer,
  alg: string,
  plaintext: Buffer,
  params: SymmetricParameters,
): EncryptResult {
  if (alg in OAEP_HASH) {
    if (!isRsa(key.kty)) throw invalidAlgorithm(alg, key);
    try {
      return { value: rsaEncrypt(publicKeyOf(material), alg, plaintext) };
    } catch {
      throw badParameter(`The plaintext is too long for algorithm '${alg}' with a ${key.keySize}-bit key.`);
    }
  }
  if (/^A(128|192|256)GCM$/.test(alg)) {
    const bits = aesBits(alg, key);
    if (params.iv) throw badParameter(`Algorithm '${alg}' generates its own iv; do not send one.`);
    // AES-GCM (key, IV): key = this oct key version's material, IV = 12 fresh random bytes per call
    // (returned to the caller). Calls per key version in an emulator stay far below 2^32, so the
    // random-IV bound of NIST SP 800-38D section 8.3 holds and no (key, IV) pair repeats.
    const iv = randomBytes(12);
    const cipher = createCipheriv(`aes-${bits}-gcm` as CipherGCMTypes, material, iv);
    if (params.aad) cipher.setAAD(params.aad);
    const value = runCipher(cipher, plaintext);
    return { value, iv, tag: cipher.getAuthTag(), ...(params.aad ? { aad: params.aad } : {}) };
  }
  if (/^A(128|192|256)CBC(PAD)?$/.test(alg)) {
    const bits = aesBits(alg, key);
    const iv = checkIv(params.iv, 16, alg);
    const cipher = createCipheriv(`aes-${bits}-cbc`, material, iv);
    cipher.setAutoPadding(alg.endsWith('PAD'));
    try {
      return { value: runCipher(cipher, plaintext), iv };
    } catch {
      throw badParameter(`Algorithm '${alg}' needs a plaintext whose length is a multiple of 16 bytes.`);
    }
  }
  throw badParameter(`Algorithm '${alg}' is not a supported encryption algorithm.`);
}

export function decrypt(
  key: AzureKeyVersionRecord,
  material: Buffer,
  alg: string,
  ciphertext: Buffer,
  params: SymmetricParameters,
): Buffer {
  if (alg in OAEP_HASH) {
    if (!isRsa(key.kty)) throw invalidAlgorithm(alg, key);
    return rsaDecrypt(material, alg, ciphertext);
  }
  if (/^A(128|192|256)GCM$/.test(alg)) {
    const bits = aesBits(alg, key);
    const iv = checkIv(params.iv, 12, alg);
    if (params.tag?.length !== 16) throw badParameter(`Algorithm '${alg}' requires a 16-byte tag.`);
    try {
      const decipher = createDecipheriv(`aes-${bits}-gcm` as CipherGCMTypes, material, iv);
      if (params.aad) decipher.setAAD(params.aad);
      decipher.setAuthTag(params.tag);
      return runCipher(decipher, ciphertext);
    } catch {
      throw decryptionFailed();
    }
  }
  if (/^A(128|192|256)CBC(PAD)?$/.test(alg)) {
    const bits = aesBits(alg, key);
    const iv = checkIv(params.iv, 16, alg);
    try {
      const decipher = createDecipheriv(`aes-${bits}-cbc`, material, iv);
      decipher.setAutoPadding(alg.endsWith('PAD'));
      return runCipher(decipher, ciphertext);
    } catch {
      throw decryptionFailed();
    }
  }
  throw badParameter(`Algorithm '${alg}' is not a supported encryption algorithm.`);
}

export function wrapKey(key: AzureKeyVersionRecord, material: Buffer, alg: string, value: Buffer): Buffer {
  if (alg in OAEP_HASH) return encrypt(key, material, alg, value, {}).value;
  if (/^A(128|192|256)KW$/.test(alg)) {
    const bits = aesBits(alg, key);
    if (value.length < 16 || value.length % 8 !== 0)
      throw badParameter(`Algorithm '${alg}' wraps keys of at least 16 bytes, in multiples of 8 bytes.`);
    // RFC 3394 AES key wrap: deterministic, no IV beyond the fixed default initial value.
    const cipher = createCipheriv(`id-aes${bits}-wrap`, material, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
    return runCipher(cipher, value);
  }
  throw badParameter(`Algorithm '${alg}' is not a supported key wrap algorithm.`);
}

export function unwrapKey(key: AzureKeyVersionRecord, material: Buffer, alg: string, value: Buffer): Buffer {
  if (alg in OAEP_HASH) return decrypt(key, material, alg, value, {});
  if (/^A(128|192|256)KW$/.test(alg)) {
    const bits = aesBits(alg, key);
    try {
      const decipher = createDecipheriv(
        `id-aes${bits}-wrap`,
        material,
        Buffer.from('A6A6A6A6A6A6A6A6', 'hex'),
      );
      return runCipher(decipher, value);
    } catch {
      throw decryptionFailed();
    }
  }
  throw badParameter(`Algorithm '${alg}' is not a supported key wrap algorithm.`);
}

function rsaEncrypt(publicKey: KeyObject, alg: string, value: Buffer): Buffer {
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg]! },
    value,
  );
}

function rsaDecrypt(material: Buffer, alg: string, value: Buffer): Buffer {
  try {
    return privateDecrypt(
      { key: privateKeyOf(material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg]! },
      value,
    );
  } catch {
    throw decryptionFailed();
  }
}

/** Checks the algorithm fits the key and the digest its hash; returns the hash. */
function signatureHash(key: AzureKeyVersionRecord, alg: string, digest: Buffer): DigestHash {
  const hash = SIGN_HASH[alg];
  if (!hash) throw badParameter(`Algorithm '${alg}' is not a supported signature algorithm.`);
  const rsaAlg = alg.startsWith('RS') || alg.startsWith('PS');
  if (rsaAlg ? !isRsa(key.kty) : !isEc(key.kty)) throw invalidAlgorithm(alg, key);
  if (!rsaAlg && EC_CURVE[alg] !== key.publicJwk.crv)
    throw badParameter(`Algorithm '${alg}' needs a ${EC_CURVE[alg]} key; this key is ${key.publicJwk.crv}.`);
  if (digest.length !== DIGEST_BYTES[hash])
    throw badParameter(
      `Algorithm '${alg}' signs a ${DIGEST_BYTES[hash]}-byte digest; got ${digest.length} bytes.`,
    );
  return hash;
}

/** Raw ECDSA private scalar and public point of an EC key, for @noble/curves. */
function ecParts(material: Buffer) {
  const jwk = privateKeyOf(material).export({ format: 'jwk' });
  const b64 = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
  return { d: b64(jwk.d), point: Buffer.concat([Buffer.of(4), b64(jwk.x), b64(jwk.y)]) };
}

/** Signs a digest; EC signatures are JWS form (R || S), as Key Vault returns them. */
export function sign(key: AzureKeyVersionRecord, material: Buffer, alg: string, digest: Buffer): Buffer {
  const hash = signatureHash(key, alg, digest);
  if (isRsa(key.kty))
    return signDigest(privateKeyOf(material), hash, alg.startsWith('PS') ? 'pss' : 'pkcs1', digest);
  const { d } = ecParts(material);
  try {
    const curve = NOBLE[key.publicJwk.crv!];
    return Buffer.from(curve.sign(digest, d, { prehash: false, lowS: false, format: 'compact' }));
  } finally {
    d.fill(0);
  }
}

export function verify(
  key: AzureKeyVersionRecord,
  material: Buffer,
  alg: string,
  digest: Buffer,
  signature: Buffer,
): boolean {
  const hash = signatureHash(key, alg, digest);
  if (isRsa(key.kty))
    return verifyDigest(
      publicKeyOf(material),
      hash,
      alg.startsWith('PS') ? 'pss' : 'pkcs1',
      digest,
      signature,
    );
  const { d, point } = ecParts(material);
  d.fill(0);
  try {
    const curve = NOBLE[key.publicJwk.crv!];
    return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}
