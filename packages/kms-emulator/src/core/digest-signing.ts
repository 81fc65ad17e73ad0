import {
  constants,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import forge from 'node-forge';

/**
 * Signing a precomputed digest (Sign / Verify with MessageType DIGEST). node:crypto always hashes the
 * message itself (`crypto.sign(null, digest, key)` signs a hash *of* the digest), so:
 * - PKCS#1 v1.5: DigestInfo (RFC 8017 §9.2) through node's raw RSA with PKCS#1 type-1 padding;
 * - RSASSA-PSS: EMSA-PSS encoding (RFC 8017 §9.1) from node-forge, which takes the digest as given,
 *   then node's raw RSA (`RSA_NO_PADDING`) for the modular exponentiation, which forge does slowly;
 * - ECDSA: @noble/curves with `prehash: false`, the audited pure-JS implementation.
 */
export type DigestHash = 'sha256' | 'sha384' | 'sha512';
export type SignaturePadding = 'pss' | 'pkcs1' | 'ecdsa';

export const DIGEST_LENGTH: Readonly<Record<DigestHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER DigestInfo prefixes from RFC 8017 §9.2 note 1. */
const DIGEST_INFO: Readonly<Record<DigestHash, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** forge's EMSA-PSS object (untyped in @types/node-forge); strings are forge's binary strings. */
interface PssScheme {
  encode(md: { digest(): forge.util.ByteStringBuffer }, modBits: number): string;
  verify(mHash: string, em: string, modBits: number): boolean;
}

function pssScheme(hash: DigestHash): PssScheme {
  const md = () => forge.md[hash].create();
  return forge.pss.create({
    md: md(),
    mgf: forge.mgf.mgf1.create(md()),
    // KMS uses a salt as long as the digest (RSA_PSS_SALTLEN_DIGEST), as in raw-message signing.
    saltLength: DIGEST_LENGTH[hash],
    prng: { getBytesSync: (n: number) => randomBytes(n).toString('binary') },
  });
}

const modulusBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

/** The curve and the raw key bytes noble needs, from a node EC key (via its JWK form). */
function ecKey(key: KeyObject) {
  const jwk = key.export({ format: 'jwk' });
  const curve = CURVES[jwk.crv as keyof typeof CURVES];
  if (!curve) throw new Error(`unsupported curve ${jwk.crv}`);
  const b64 = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
  return {
    curve,
    d: jwk.d ? b64(jwk.d) : undefined,
    point: Buffer.concat([Buffer.of(4), b64(jwk.x), b64(jwk.y)]),
  };
}

export function signDigest(
  privateKey: KeyObject,
  hash: DigestHash,
  padding: SignaturePadding,
  digest: Buffer,
): Buffer {
  if (padding === 'pkcs1') {
    return privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]),
    );
  }
  if (padding === 'pss') {
    const bits = modulusBits(privateKey);
    const encoded = pssScheme(hash).encode(
      { digest: () => forge.util.createBuffer(digest.toString('binary')) },
      bits,
    );
    const em = Buffer.alloc(Math.ceil(bits / 8));
    Buffer.from(encoded, 'binary').copy(em, em.length - encoded.length);
    return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
  }
  const { curve, d } = ecKey(privateKey);
  try {
    // lowS: false signs as OpenSSL (and KMS) do; both S forms are valid ECDSA.
    return Buffer.from(curve.sign(digest, d!, { prehash: false, lowS: false, format: 'der' }));
  } finally {
    d!.fill(0);
  }
}

export function verifyDigest(
  publicKey: KeyObject,
  hash: DigestHash,
  padding: SignaturePadding,
  digest: Buffer,
  signature: Buffer,
): boolean {
  try {
    if (padding === 'pkcs1') {
      const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    if (padding === 'pss') {
      const em = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
      return pssScheme(hash).verify(digest.toString('binary'), em.toString('binary'), modulusBits(publicKey));
    }
    const { curve, point } = ecKey(publicKey);
    return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' });
  } catch {
    return false;
  }
}
