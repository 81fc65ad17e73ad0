import { generateKeyPairSync } from 'node:crypto';
import { encryptWithKey, readContext, readGrantTokens, requireEncryptionKey } from './envelope-crypto.js';
import { DATA_KEY_PAIR_SPECS, type DataKeyPairSpec } from './key-specs.js';
import type { OperationTable } from './operation.js';
import type { OperationScope } from './scope.js';
import { type Input, requireEnum, requireString } from './validate.js';

/** GenerateDataKeyPair(WithoutPlaintext): a fresh pair, private key encrypted under a symmetric KMS key. */
function generatePair(spec: DataKeyPairSpec): { publicKey: Buffer; privateKey: Buffer } {
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const;
  if (spec.startsWith('RSA_')) {
    return generateKeyPairSync('rsa', {
      modulusLength: Number(spec.slice(4)),
      publicKeyEncoding,
      privateKeyEncoding,
    });
  }
  const curves: Record<string, string> = {
    ECC_NIST_P256: 'P-256',
    ECC_NIST_P384: 'P-384',
    ECC_NIST_P521: 'P-521',
    ECC_SECG_P256K1: 'secp256k1',
  };
  return generateKeyPairSync('ec', { namedCurve: curves[spec]!, publicKeyEncoding, privateKeyEncoding });
}

function dataKeyPair(scope: OperationScope, input: Input, action: string) {
  const keyIdParam = requireString(input, 'KeyId');
  const spec = requireEnum(input, 'KeyPairSpec', DATA_KEY_PAIR_SPECS);
  const context = readContext(input);
  readGrantTokens(input);
  const key = scope.resolveKey(keyIdParam);
  scope.authorize(key, action, context ? { encryptionContext: context } : {});
  scope.requireEnabled(key);
  requireEncryptionKey(key, 'SYMMETRIC_DEFAULT');
  const pair = generatePair(spec);
  return {
    key,
    spec,
    pair,
    PrivateKeyCiphertextBlob: encryptWithKey(scope, key, pair.privateKey, context, 'SYMMETRIC_DEFAULT'),
  };
}

export const dataKeyPairOperations: OperationTable = {
  GenerateDataKeyPair(scope, input) {
    const { key, spec, pair, PrivateKeyCiphertextBlob } = dataKeyPair(scope, input, 'GenerateDataKeyPair');
    return {
      PrivateKeyCiphertextBlob,
      PrivateKeyPlaintext: pair.privateKey,
      PublicKey: pair.publicKey,
      KeyId: key.arn,
      KeyPairSpec: spec,
    };
  },
  GenerateDataKeyPairWithoutPlaintext(scope, input) {
    const { key, spec, pair, PrivateKeyCiphertextBlob } = dataKeyPair(
      scope,
      input,
      'GenerateDataKeyPairWithoutPlaintext',
    );
    pair.privateKey.fill(0);
    return { PrivateKeyCiphertextBlob, PublicKey: pair.publicKey, KeyId: key.arn, KeyPairSpec: spec };
  },
};
