import { constants, createHmac, createPublicKey, sign, timingSafeEqual, verify } from 'node:crypto';
import { DIGEST_LENGTH, signDigest, verifyDigest } from '../core/digest-signing.js';
import { privateKeyObject, readGrantTokens } from './envelope-crypto.js';
import { kmsError } from './errors.js';
import {
  MAC_ALGORITHMS,
  type MacAlgorithm,
  macAlgorithmsFor,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  signingAlgorithmsFor,
} from './key-specs.js';
import type { OperationTable } from './operation.js';
import type { OperationScope } from './scope.js';
import type { KeyRecord } from './types.js';
import { type Input, optionalEnum, requireBlob, requireEnum, requireString } from './validate.js';

/** Sign, Verify, GetPublicKey, GenerateMac, VerifyMac. */
const SIGNING_NAMES = Object.keys(SIGNING_ALGORITHMS) as SigningAlgorithm[];
const MAC_NAMES = Object.keys(MAC_ALGORITHMS) as MacAlgorithm[];

interface SignRequest {
  key: KeyRecord;
  algorithm: SigningAlgorithm;
  message: Buffer;
  digest: boolean;
}

function readSignRequest(scope: OperationScope, input: Input, action: 'Sign' | 'Verify'): SignRequest {
  const keyIdParam = requireString(input, 'KeyId');
  const message = requireBlob(input, 'Message', 4096);
  const algorithm = requireEnum(input, 'SigningAlgorithm', SIGNING_NAMES);
  const digest = (optionalEnum(input, 'MessageType', ['RAW', 'DIGEST', 'EXTERNAL_MU']) ?? 'RAW') === 'DIGEST';
  if (input.MessageType === 'EXTERNAL_MU')
    throw kmsError('UnsupportedOperationException', 'EXTERNAL_MU is not supported');
  readGrantTokens(input);
  const key = scope.resolveKey(keyIdParam);
  scope.authorize(key, action);
  scope.requireEnabled(key);
  requireAlgorithm(key, signingAlgorithmsFor(key.keySpec, key.keyUsage), algorithm, action);
  const { hash } = SIGNING_ALGORITHMS[algorithm];
  if (digest) {
    if (message.length !== DIGEST_LENGTH[hash]) {
      throw kmsError(
        'ValidationException',
        `Digest is invalid length for algorithm ${algorithm}. It must be ${DIGEST_LENGTH[hash]} bytes, the ${hash.toUpperCase()} digest of the message.`,
      );
    }
  }
  return { key, algorithm, message, digest };
}

const rsaOptions = (padding: string) =>
  padding === 'pss'
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : padding === 'pkcs1'
      ? { padding: constants.RSA_PKCS1_PADDING }
      : { dsaEncoding: 'der' as const };

const publicKeyOf = (key: KeyRecord) =>
  createPublicKey({
    key: Buffer.from(key.versions.at(-1)!.publicKey!, 'base64'),
    format: 'der',
    type: 'spki',
  });

function requireMacKey(key: KeyRecord, algorithm: MacAlgorithm, action: string): void {
  const supported = key.keyUsage === 'GENERATE_VERIFY_MAC' ? macAlgorithmsFor(key.keySpec) : undefined;
  requireAlgorithm(key, supported, algorithm, action);
}

/** The key's usage must allow the action, and its spec the algorithm (InvalidKeyUsageException). */
function requireAlgorithm(
  key: KeyRecord,
  supported: readonly string[] | undefined,
  algorithm: string,
  action: string,
): void {
  if (!supported) {
    throw kmsError(
      'InvalidKeyUsageException',
      `${key.arn} key usage is ${key.keyUsage} which is not valid for ${action}.`,
    );
  }
  if (!supported.includes(algorithm)) {
    throw kmsError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`,
    );
  }
}

function computeMac(scope: OperationScope, input: Input, action: 'GenerateMac' | 'VerifyMac') {
  const keyIdParam = requireString(input, 'KeyId');
  const message = requireBlob(input, 'Message', 4096);
  const algorithm = requireEnum(input, 'MacAlgorithm', MAC_NAMES);
  readGrantTokens(input);
  const key = scope.resolveKey(keyIdParam);
  scope.authorize(key, action);
  scope.requireEnabled(key);
  requireMacKey(key, algorithm, action);
  const material = scope.material(key);
  try {
    return { key, algorithm, mac: createHmac(MAC_ALGORITHMS[algorithm], material).update(message).digest() };
  } finally {
    material.fill(0);
  }
}

export const signingOperations: OperationTable = {
  Sign(scope, input) {
    const { key, algorithm, message, digest } = readSignRequest(scope, input, 'Sign');
    const { hash, padding } = SIGNING_ALGORITHMS[algorithm];
    const privateKey = privateKeyObject(scope, key);
    const signature = digest
      ? signDigest(privateKey, hash, padding, message)
      : sign(hash, message, { key: privateKey, ...rsaOptions(padding) });
    return { KeyId: key.arn, Signature: signature, SigningAlgorithm: algorithm };
  },

  Verify(scope, input) {
    const signature = requireBlob(input, 'Signature', 6144);
    const { key, algorithm, message, digest } = readSignRequest(scope, input, 'Verify');
    const { hash, padding } = SIGNING_ALGORITHMS[algorithm];
    let valid = false;
    try {
      if (digest) {
        valid = verifyDigest(publicKeyOf(key), hash, padding, message, signature);
      } else {
        valid = verify(hash, message, { key: publicKeyOf(key), ...rsaOptions(padding) }, signature);
      }
    } catch {
      valid = false;
    }
    if (!valid) throw kmsError('KMSInvalidSignatureException', '');
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: algorithm };
  },

  GetPublicKey(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    readGrantTokens(input);
    scope.authorize(key, 'GetPublicKey');
    scope.requireEnabled(key);
    const publicKey = key.versions.at(-1)!.publicKey;
    if (!publicKey) {
      throw kmsError(
        'UnsupportedOperationException',
        `${key.arn} key usage is ${key.keyUsage}; GetPublicKey needs an asymmetric key.`,
      );
    }
    return {
      KeyId: key.arn,
      PublicKey: Buffer.from(publicKey, 'base64'),
      KeySpec: key.keySpec,
      CustomerMasterKeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      ...(key.keyUsage === 'ENCRYPT_DECRYPT'
        ? { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }
        : {}),
      ...(key.keyUsage === 'SIGN_VERIFY'
        ? { SigningAlgorithms: signingAlgorithmsFor(key.keySpec, key.keyUsage) }
        : {}),
      ...(key.keyUsage === 'KEY_AGREEMENT' ? { KeyAgreementAlgorithms: ['ECDH'] } : {}),
    };
  },

  GenerateMac(scope, input) {
    const { key, algorithm, mac } = computeMac(scope, input, 'GenerateMac');
    return { Mac: mac, MacAlgorithm: algorithm, KeyId: key.arn };
  },

  VerifyMac(scope, input) {
    const expected = requireBlob(input, 'Mac', 6144);
    const { key, algorithm, mac } = computeMac(scope, input, 'VerifyMac');
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw kmsError('KMSInvalidMacException', '');
    }
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
  },
};
