import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { randomBytesPooled, runCipher } from '../core/index.js';
import { headAad, IV_LENGTH, parseBlob, sealedBlob, serializeBlobHeader } from './ciphertext-blob.js';
import { invalidCiphertext, kmsError, validationError } from './errors.js';
import { keyArn } from './ids.js';
import {
  ENCRYPTION_ALGORITHMS,
  type EncryptionAlgorithm,
  encryptionAlgorithmsFor,
  RSA_ENCRYPTION_ALGORITHMS,
} from './key-specs.js';
import type { OperationScope } from './scope.js';
import type { KeyRecord } from './types.js';
import { type Input, optionalEnum, optionalStringList, optionalStringMap } from './validate.js';

/** The encrypt/decrypt primitives shared by Encrypt, Decrypt, ReEncrypt and the data-key operations. */
export type Context = Record<string, string>;

export function readGrantTokens(input: Input): string[] | undefined {
  const tokens = optionalStringList(input, 'GrantTokens', 10, 8192);
  for (const t of tokens ?? []) {
    if (!/^gt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t))
      throw kmsError('InvalidGrantTokenException', 'Invalid grant token');
  }
  return tokens;
}

export function readContext(input: Input, member = 'EncryptionContext'): Context | undefined {
  return optionalStringMap(input, member);
}

export function readAlgorithm(input: Input, member = 'EncryptionAlgorithm'): EncryptionAlgorithm {
  return optionalEnum(input, member, ENCRYPTION_ALGORITHMS) ?? 'SYMMETRIC_DEFAULT';
}

/** The key must be an ENCRYPT_DECRYPT key that supports `algorithm`. */
export function requireEncryptionKey(key: KeyRecord, algorithm: EncryptionAlgorithm): void {
  const supported = encryptionAlgorithmsFor(key.keySpec, key.keyUsage);
  if (!supported) {
    throw kmsError(
      'InvalidKeyUsageException',
      `${key.arn} key usage is ${key.keyUsage} which is not valid for this operation.`,
    );
  }
  if (!supported.includes(algorithm)) {
    throw kmsError(
      'InvalidKeyUsageException',
      `The encryption algorithm ${algorithm} is not compatible with the key spec ${key.keySpec}.`,
    );
  }
}

export function encryptWithKey(
  scope: OperationScope,
  key: KeyRecord,
  plaintext: Buffer,
  context: Context | undefined,
  algorithm: EncryptionAlgorithm,
): Buffer {
  if (algorithm !== 'SYMMETRIC_DEFAULT') {
    if (context && Object.keys(context).length) {
      throw validationError(
        'encryptionContext',
        '{...}',
        'EncryptionContext is not supported with asymmetric keys',
      );
    }
    try {
      return publicEncrypt(
        {
          key: rsaPublicKey(key),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: RSA_ENCRYPTION_ALGORITHMS[algorithm],
        },
        plaintext,
      );
    } catch {
      throw validationError(
        'plaintext',
        'java.nio.HeapByteBuffer',
        `Plaintext is too long for ${key.keySpec} with ${algorithm}`,
      );
    }
  }
  const current = key.versions.at(-1)!;
  const head = serializeBlobHeader({
    accountId: key.accountId,
    keyId: key.keyId,
    versionId: current.versionId,
  });
  const material = scope.material(key, current.versionId);
  try {
    // AES-GCM (key, IV): key = this key version's material, IV = 12 fresh CSPRNG bytes per Encrypt,
    // GenerateDataKey or ReEncrypt (the pool hands each byte out once). NIST SP 800-38D section 8.3
    // allows 2^32 random-IV encryptions per key (IV collision chance below 2^-32): one key version
    // would need about 5 days of uninterrupted load at 10,000 calls/s to get there, far beyond an
    // emulator's use, and rotation starts a new version with new material.
    const iv = randomBytesPooled(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(headAad(head, context));
    const ciphertext = runCipher(cipher, plaintext);
    return sealedBlob(head, iv, ciphertext, cipher.getAuthTag());
  } finally {
    material.fill(0);
  }
}

export interface DecryptRequest {
  blob: Buffer;
  context: Context | undefined;
  algorithm: EncryptionAlgorithm;
  /** The KeyId the caller named, if any. */
  keyIdParam: string | undefined;
  /** `Decrypt`, or `ReEncryptFrom` for ReEncrypt's source side. */
  action: 'Decrypt' | 'ReEncryptFrom';
}

function authorizeDecrypt(scope: OperationScope, req: DecryptRequest, key: KeyRecord): void {
  scope.authorize(key, req.action, req.context ? { encryptionContext: req.context } : {});
}

/** Finds the key (from the blob for symmetric), authorizes, checks state, and decrypts. */
export function decryptWithKey(
  scope: OperationScope,
  req: DecryptRequest,
): { key: KeyRecord; plaintext: Buffer } {
  if (req.algorithm !== 'SYMMETRIC_DEFAULT') {
    if (!req.keyIdParam) {
      throw validationError('keyId', undefined, 'KeyId is required when decrypting with an asymmetric key');
    }
    const key = scope.resolveKey(req.keyIdParam);
    authorizeDecrypt(scope, req, key);
    scope.requireEnabled(key);
    requireEncryptionKey(key, req.algorithm);
    try {
      const plaintext = privateDecrypt(
        {
          key: privateKeyObject(scope, key),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: RSA_ENCRYPTION_ALGORITHMS[req.algorithm],
        },
        req.blob,
      );
      return { key, plaintext };
    } catch {
      throw invalidCiphertext();
    }
  }
  const blob = parseBlob(req.blob);
  if (!blob) throw invalidCiphertext();
  let key: KeyRecord;
  if (req.keyIdParam) {
    key = scope.resolveKey(req.keyIdParam);
    if (key.keyId !== blob.keyId || key.accountId !== blob.accountId) {
      throw kmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a KMS key that can perform this operation.',
      );
    }
  } else {
    key = scope.resolveKey(keyArn(scope.ctx.region, blob.accountId, blob.keyId));
  }
  authorizeDecrypt(scope, req, key);
  scope.requireEnabled(key);
  requireEncryptionKey(key, 'SYMMETRIC_DEFAULT');
  if (!key.versions.some((v) => v.versionId === blob.versionId)) throw invalidCiphertext();
  const material = scope.material(key, blob.versionId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, blob.iv);
    decipher.setAAD(headAad(blob.head, req.context));
    decipher.setAuthTag(blob.tag);
    return { key, plaintext: runCipher(decipher, blob.ciphertext) };
  } catch {
    throw invalidCiphertext();
  } finally {
    material.fill(0);
  }
}

export const rsaPublicKey = (key: KeyRecord): KeyObject =>
  createPublicKey({
    key: Buffer.from(key.versions.at(-1)!.publicKey!, 'base64'),
    format: 'der',
    type: 'spki',
  });

/** The key's private key as a KeyObject; the unwrapped DER bytes are zero-filled at once. */
export function privateKeyObject(scope: OperationScope, key: KeyRecord): KeyObject {
  const der = scope.material(key);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}
