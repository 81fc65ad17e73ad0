import {
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPair,
  type KeyObject,
  type Sign,
  type Verify,
} from 'node:crypto';
import { promisify } from 'node:util';
import { DecryptionFailedError } from '../errors.js';
import type { SignatureAlgorithm } from './algorithm-suites.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  /** SEC 1 compressed public point, as stored (base64) in the `aws-crypto-public-key` context pair. */
  readonly compressedPublicKey: Buffer;
}

/** A fresh ECDSA key pair for one message (the AWS SDK never reuses a signing key). */
export async function generateSigningKey(algorithm: SignatureAlgorithm): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: algorithm.curve });
  return { privateKey, compressedPublicKey: compressPublicKey(publicKey) };
}

function compressPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x as string, 'base64url');
  const y = Buffer.from(jwk.y as string, 'base64url');
  const prefix = (y[y.length - 1]! & 1) === 1 ? 0x03 : 0x02;
  return Buffer.concat([Buffer.of(prefix), x]);
}

// RFC 5480 AlgorithmIdentifier (id-ecPublicKey, named curve) of the SubjectPublicKeyInfo DER that
// wraps a point for import. OpenSSL takes the compressed point as it is and checks it is on the curve.
const SPKI_ALGORITHM: Readonly<Record<SignatureAlgorithm['curve'], Buffer>> = {
  prime256v1: Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex'),
  secp384r1: Buffer.from('301006072a8648ce3d020106052b81040022', 'hex'),
};

/** SubjectPublicKeyInfo DER: SEQUENCE { algorithm, BIT STRING (no unused bits) point }. */
function spki(algorithm: SignatureAlgorithm, point: Buffer): Buffer {
  const id = SPKI_ALGORITHM[algorithm.curve];
  const bodyLength = id.length + 3 + point.length;
  // Every P-256/P-384 point, compressed or not, fits DER's one-byte lengths; a longer one is no point.
  if (point.length + 1 > 127 || bodyLength > 127) throw new RangeError('EC point too long');
  return Buffer.concat([Buffer.of(0x30, bodyLength), id, Buffer.of(0x03, point.length + 1, 0x00), point]);
}

/**
 * Imports the compressed point from the encryption context as a verification key, as SPKI DER (a
 * third of the cost of decompressing it and importing a JWK). The point comes from a header that is
 * not yet authenticated, so a bad one is a damaged message, not a bad argument.
 *
 * The curve is the one our own AlgorithmIdentifier names: OpenSSL decodes the point on that curve
 * or refuses it (off the curve, wrong length, another curve's point), so the key's curve needs no
 * second look (reading `asymmetricKeyDetails` of a fresh key costs a third of the import).
 */
export function importVerificationKey(algorithm: SignatureAlgorithm, compressed: Buffer): KeyObject {
  try {
    return createPublicKey({ key: spki(algorithm, compressed), format: 'der', type: 'spki' });
  } catch {
    // Which check failed stays unsaid (errors.ts); the header tag would fail for a tampered key too.
    throw new DecryptionFailedError();
  }
}

export function createSigner(algorithm: SignatureAlgorithm): Sign {
  return createSign(algorithm.hash);
}

export function createVerifier(algorithm: SignatureAlgorithm): Verify {
  return createVerify(algorithm.hash);
}
