import { createPrivateKey, createPublicKey, ECDH, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** The ECDH curves of framework/raw-ecdh-keyring.md, named as AWS KMS names them. */
export type EcdhCurveSpec = 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521';

interface Curve {
  /** OpenSSL's name (`asymmetricKeyDetails.namedCurve`, `ECDH.convertKey`). */
  readonly openssl: string;
  readonly jwk: string;
  /** Written into the key derivation's FixedInfo (the 4.x SDKs' `CurveSpecTypeToString`). */
  readonly fixedInfoName: string;
  /** SEC 1 compressed point: 1 byte prefix + field-size x coordinate. */
  readonly compressedLength: number;
}

const CURVES: Readonly<Record<EcdhCurveSpec, Curve>> = {
  ECC_NIST_P256: { openssl: 'prime256v1', jwk: 'P-256', fixedInfoName: 'p256', compressedLength: 33 },
  ECC_NIST_P384: { openssl: 'secp384r1', jwk: 'P-384', fixedInfoName: 'p384', compressedLength: 49 },
  ECC_NIST_P521: { openssl: 'secp521r1', jwk: 'P-521', fixedInfoName: 'p521', compressedLength: 67 },
};

export function ecdhCurve(spec: EcdhCurveSpec): Curve {
  const curve = Object.hasOwn(CURVES, spec) ? CURVES[spec] : undefined;
  if (!curve) {
    throw new InvalidArgumentError(
      `ECDH curve ${JSON.stringify(spec)} is not supported; use one of ${Object.keys(CURVES).join(', ')}.`,
    );
  }
  return curve;
}

function assertCurve(key: KeyObject, spec: EcdhCurveSpec, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== ecdhCurve(spec).openssl) {
    throw new InvalidArgumentError(
      `The ${what} is not an ${spec} key (got ${key.asymmetricKeyType ?? key.type} ${key.asymmetricKeyDetails?.namedCurve ?? ''}); every key of an ECDH keyring must be on its curve.`,
    );
  }
  return key;
}

/**
 * A public key given as DER SubjectPublicKeyInfo bytes (as the 4.x SDKs and KMS GetPublicKey return it),
 * or the same in PEM.
 */
export function importEccPublicKey(
  key: Uint8Array | KeyObject,
  spec: EcdhCurveSpec,
  what: string,
): KeyObject {
  if (key instanceof Uint8Array) {
    const bytes = Buffer.from(key);
    const pem = bytes.subarray(0, 11).toString('latin1') === '-----BEGIN ';
    try {
      return assertCurve(
        createPublicKey(pem ? { key: bytes, format: 'pem' } : { key: bytes, format: 'der', type: 'spki' }),
        spec,
        what,
      );
    } catch (cause) {
      if (cause instanceof InvalidArgumentError) throw cause;
      throw new InvalidArgumentError(`The ${what} is not a DER or PEM SubjectPublicKeyInfo public key.`, {
        cause,
      });
    }
  }
  if (key.type !== 'public') throw new InvalidArgumentError(`The ${what} must be a public key.`);
  return assertCurve(key, spec, what);
}

/** A private key given as PEM PKCS #8 (as the 4.x SDKs take it). */
export function importEccPrivateKey(
  key: string | Uint8Array | KeyObject,
  spec: EcdhCurveSpec,
  what: string,
): KeyObject {
  if (typeof key === 'string' || key instanceof Uint8Array) {
    let imported: KeyObject;
    try {
      imported = createPrivateKey({ key: Buffer.from(key), format: 'pem' });
    } catch (cause) {
      // Never the key bytes in the message: only what was expected.
      throw new InvalidArgumentError(`The ${what} is not a PEM-encoded PKCS #8 private key.`, { cause });
    }
    return assertCurve(imported, spec, what);
  }
  if (key.type !== 'private') throw new InvalidArgumentError(`The ${what} must be a private key.`);
  return assertCurve(key, spec, what);
}

/** SEC 1 compressed point (0x02/0x03 || x), the form the provider info and FixedInfo carry. */
export function compressEccPublicKey(key: KeyObject): Buffer {
  const { x, y } = key.export({ format: 'jwk' });
  const yBytes = Buffer.from(y as string, 'base64url');
  const prefix = (yBytes[yBytes.length - 1] as number) & 1 ? 0x03 : 0x02;
  return Buffer.concat([Buffer.of(prefix), Buffer.from(x as string, 'base64url')]);
}

/**
 * The public key a compressed point names. OpenSSL refuses a point that is not on the curve (the
 * point at infinity included), so a hostile provider info cannot smuggle in an invalid-curve point.
 */
export function decompressEccPublicKey(compressed: Buffer, spec: EcdhCurveSpec): KeyObject {
  const curve = ecdhCurve(spec);
  if (compressed.length !== curve.compressedLength || (compressed[0] !== 0x02 && compressed[0] !== 0x03)) {
    throw new InvalidArgumentError(
      `The ${spec} public key is not a ${curve.compressedLength}-byte compressed point.`,
    );
  }
  const point = ECDH.convertKey(compressed, curve.openssl, undefined, undefined, 'uncompressed') as Buffer;
  const size = (point.length - 1) / 2;
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: curve.jwk,
      x: point.subarray(1, 1 + size).toString('base64url'),
      y: point.subarray(1 + size).toString('base64url'),
    },
    format: 'jwk',
  });
}
