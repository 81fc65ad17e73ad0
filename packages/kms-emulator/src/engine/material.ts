import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { KmsError } from '../errors.js';
import { KEY_SPECS, type KeySpec } from './key-specs.js';

/**
 * Key material lifecycle: generation per key spec, and wrapping under the root key for storage.
 * Wrapped form: IV (12) || ciphertext || tag (16), AES-256-GCM, AAD = key ARN and version id, so a
 * wrapped blob cannot be moved to another key or version.
 */
export interface GeneratedMaterial {
  /** Raw bytes (symmetric, HMAC) or PKCS#8 DER private key (RSA, ECC). Caller zero-fills. */
  material: Buffer;
  /** DER SubjectPublicKeyInfo for asymmetric specs. */
  publicKey?: Buffer;
}

export function generateMaterial(spec: KeySpec): GeneratedMaterial {
  const info = KEY_SPECS[spec];
  switch (info.family) {
    case 'symmetric':
      return { material: randomBytes(32) };
    case 'hmac':
      return { material: randomBytes(info.size!) };
    case 'rsa': {
      const pair = generateKeyPairSync('rsa', {
        modulusLength: info.size!,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      });
      return { material: pair.privateKey, publicKey: pair.publicKey };
    }
    case 'ecc': {
      const pair = generateKeyPairSync('ec', {
        namedCurve: info.namedCurve!,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      });
      return { material: pair.privateKey, publicKey: pair.publicKey };
    }
  }
}

const wrapAad = (arn: string, versionId: string): Buffer =>
  Buffer.from(`envelope-kms-emulator:material:${arn}:${versionId}`, 'utf8');

export function wrapMaterial(rootKey: Buffer, arn: string, versionId: string, material: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', rootKey, iv);
  cipher.setAAD(wrapAad(arn, versionId));
  const ct = Buffer.concat([cipher.update(material), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64');
}

export function unwrapMaterial(rootKey: Buffer, arn: string, versionId: string, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', rootKey, bytes.subarray(0, 12));
    decipher.setAAD(wrapAad(arn, versionId));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  } catch (cause) {
    // Wrong root key or tampered storage: an internal failure, never the caller's fault.
    throw new KmsError('KMSInternalException', 'Key material could not be loaded', { cause });
  }
}
