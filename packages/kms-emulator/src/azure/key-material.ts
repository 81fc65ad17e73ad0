import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import type { Curve, KeyType, PublicJwk } from './records.js';

export const isRsa = (kty: KeyType): boolean => kty === 'RSA' || kty === 'RSA-HSM';
export const isEc = (kty: KeyType): boolean => kty === 'EC' || kty === 'EC-HSM';
export const isOct = (kty: KeyType): boolean => kty === 'oct' || kty === 'oct-HSM';

const NODE_CURVE: Readonly<Record<Curve, string>> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

export interface GeneratedMaterial {
  /** PKCS#8 DER for RSA and EC, raw bytes for oct; the caller wraps it and zero-fills it. */
  material: Buffer;
  publicJwk: PublicJwk;
}

export function generateMaterial(
  kty: KeyType,
  size: number | undefined,
  curve: Curve | undefined,
  publicExponent: number,
): GeneratedMaterial {
  if (isOct(kty)) return { material: randomBytes(size! / 8), publicJwk: {} };
  const pair = isRsa(kty)
    ? generateKeyPairSync('rsa', { modulusLength: size!, publicExponent })
    : generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve!] });
  const material = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  return { material, publicJwk: publicJwkOf(pair.publicKey, curve) };
}

function publicJwkOf(publicKey: KeyObject, curve: Curve | undefined): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  return jwk.kty === 'RSA' ? { n: jwk.n!, e: jwk.e! } : { crv: curve!, x: jwk.x!, y: jwk.y! };
}

export const privateKeyOf = (material: Buffer): KeyObject =>
  createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });

export const publicKeyOf = (material: Buffer): KeyObject => createPublicKey(privateKeyOf(material));
