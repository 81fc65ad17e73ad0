import {
  createPublicKey,
  createSign,
  createVerify,
  ECDH,
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

/**
 * Imports the compressed point from the encryption context as a verification key. The point comes
 * from a header that is not yet authenticated, so a bad one is a damaged message, not a bad argument.
 */
export function importVerificationKey(algorithm: SignatureAlgorithm, compressed: Buffer): KeyObject {
  try {
    const point = ECDH.convertKey(
      compressed,
      algorithm.curve,
      undefined,
      undefined,
      'uncompressed',
    ) as Buffer;
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
