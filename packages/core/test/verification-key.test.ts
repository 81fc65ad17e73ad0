import { createPublicKey, ECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { DecryptionFailedError } from '@envelope/core';
import { expect } from 'chai';
import { getSuite } from '../src/suites/algorithm-suites.js';
import { importVerificationKey } from '../src/suites/signature.js';

const CURVES = [
  { curve: 'secp384r1', suite: 0x0578, size: 48 },
  { curve: 'prime256v1', suite: 0x0214, size: 32 },
] as const;

/** A compressed-looking point whose x is not on the curve. */
function offCurvePoint(curve: string, size: number): Buffer {
  for (;;) {
    const candidate = Buffer.concat([Buffer.of(0x02), randomBytes(size)]);
    try {
      ECDH.convertKey(candidate, curve);
    } catch {
      return candidate;
    }
  }
}

describe('importing the verification key from the encryption context', () => {
  for (const { curve, suite: id, size } of CURVES) {
    const algorithm = getSuite(id).signature!;

    it(`imports a compressed ${curve} point as the same public key as its JWK`, () => {
      for (let i = 0; i < 20; i++) {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
        const jwk = publicKey.export({ format: 'jwk' });
        const y = Buffer.from(jwk.y!, 'base64url');
        const compressed = Buffer.concat([Buffer.of(2 + (y.at(-1)! & 1)), Buffer.from(jwk.x!, 'base64url')]);
        const imported = importVerificationKey(algorithm, compressed);
        expect(imported.equals(createPublicKey({ format: 'jwk', key: jwk }))).to.equal(true);
        // The curve comes from the AlgorithmIdentifier we write, never from the message.
        expect(imported.asymmetricKeyDetails?.namedCurve).to.equal(curve);
      }
    });

    it(`refuses a ${curve} point that is off the curve, truncated, empty or of the other curve`, () => {
      const other = CURVES.find((c) => c.curve !== curve)!;
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: other.curve });
      const otherPoint = ECDH.convertKey(
        Buffer.from(publicKey.export({ format: 'der', type: 'spki' }).subarray(-(2 * other.size + 1))),
        other.curve,
        undefined,
        undefined,
        'compressed',
      ) as Buffer;
      for (const bad of [offCurvePoint(curve, size), Buffer.alloc(size), Buffer.alloc(0), otherPoint]) {
        expect(() => importVerificationKey(algorithm, bad)).to.throw(DecryptionFailedError);
      }
    });
  }
});
