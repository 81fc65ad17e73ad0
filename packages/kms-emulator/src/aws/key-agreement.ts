import { createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { privateKeyObject, readGrantTokens } from './envelope-crypto.js';
import { kmsError, validationError } from './errors.js';
import { KEY_SPECS } from './key-specs.js';
import type { OperationTable } from './operation.js';
import { requireBlob, requireEnum, requireString } from './validate.js';

/**
 * DeriveSharedSecret (AWS KMS API reference): ECDH between the private key of a KEY_AGREEMENT ECC
 * KMS key and a peer's public key (DER SubjectPublicKeyInfo on the same curve). The private key
 * never leaves the engine; the caller gets only the raw shared secret, as from AWS.
 */
export const keyAgreementOperations: OperationTable = {
  DeriveSharedSecret(scope, input) {
    const keyIdParam = requireString(input, 'KeyId');
    const algorithm = requireEnum(input, 'KeyAgreementAlgorithm', ['ECDH']);
    const publicKeyDer = requireBlob(input, 'PublicKey', 8192);
    readGrantTokens(input);
    if (input.Recipient !== undefined) {
      throw kmsError(
        'UnsupportedOperationException',
        'Recipient (Nitro Enclaves attestation) is not supported by the emulator',
      );
    }
    const key = scope.resolveKey(keyIdParam);
    scope.authorize(key, 'DeriveSharedSecret');
    scope.requireEnabled(key);
    if (key.keyUsage !== 'KEY_AGREEMENT') {
      throw kmsError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} which is not valid for DeriveSharedSecret.`,
      );
    }
    const curve = KEY_SPECS[key.keySpec].namedCurve;
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
    } catch {
      throw validationError('publicKey', '***', 'PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo');
    }
    const jwk = peer.asymmetricKeyType === 'ec' ? peer.export({ format: 'jwk' }) : undefined;
    if (jwk?.crv !== curve) {
      throw validationError(
        'publicKey',
        '***',
        `PublicKey must be an elliptic curve key on ${curve}, the curve of ${key.arn}`,
      );
    }
    const sharedSecret = diffieHellman({ privateKey: privateKeyObject(scope, key), publicKey: peer });
    return {
      KeyId: key.arn,
      SharedSecret: sharedSecret,
      KeyAgreementAlgorithm: algorithm,
      KeyOrigin: 'AWS_KMS',
    };
  },
};
