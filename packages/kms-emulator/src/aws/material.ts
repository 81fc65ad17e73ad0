import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { KmsError } from './errors.js';
import { KEY_SPECS, type KeySpec } from './key-specs.js';

/**
 * Key material lifecycle: generation per key spec, and seeded material checked against its spec.
 * Wrapping under the root key for storage is the core's `MaterialVault` (AAD = key ARN and version id,
 * so a wrapped blob cannot be moved to another key or version).
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

/**
 * Seeded material (raw bytes for symmetric and HMAC specs, PKCS#8 DER for RSA and ECC), checked
 * against the key spec so a seed cannot create a key that would fail at its first use. The result is
 * a copy; the caller zero-fills both.
 */
export function importMaterial(spec: KeySpec, given: Buffer): GeneratedMaterial {
  const info = KEY_SPECS[spec];
  const refuse = (why: string) =>
    new KmsError('ValidationException', `Seeded key material does not fit KeySpec ${spec}: ${why}`);
  if (info.family === 'symmetric' || info.family === 'hmac') {
    const size = info.family === 'symmetric' ? 32 : info.size!;
    if (given.length !== size) throw refuse(`expected ${size} bytes, got ${given.length}`);
    return { material: Buffer.from(given) };
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey({ key: given, format: 'der', type: 'pkcs8' });
  } catch {
    throw refuse('not a PKCS#8 private key');
  }
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (
    info.family === 'rsa' &&
    (privateKey.asymmetricKeyType !== 'rsa' || details.modulusLength !== info.size)
  ) {
    throw refuse(`expected an RSA ${info.size}-bit private key`);
  }
  if (
    info.family === 'ecc' &&
    (privateKey.asymmetricKeyType !== 'ec' || !curveIs(details.namedCurve, info.namedCurve!))
  ) {
    throw refuse(`expected an EC private key on ${info.namedCurve}`);
  }
  return {
    material: privateKey.export({ type: 'pkcs8', format: 'der' }),
    publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  };
}

/** Node names NIST curves by their OpenSSL names (prime256v1, secp384r1, secp521r1). */
const CURVE_ALIASES: Readonly<Record<string, string>> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};
const curveIs = (actual: string | undefined, expected: string): boolean =>
  actual === expected || actual === CURVE_ALIASES[expected];

/**
 * The version id of seeded material: a UUID-shaped HMAC of the key id under the material, so the
 * same seed gives the same version id (and so interchangeable ciphertext blobs) in every emulator,
 * while the id reveals nothing about the material.
 */
export function seededVersionId(keyId: string, material: Buffer): string {
  const h = createHmac('sha256', material)
    .update(`envelope-kms-emulator:seed-version:${keyId}`, 'utf8')
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
