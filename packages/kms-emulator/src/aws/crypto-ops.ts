import { randomBytes } from 'node:crypto';
import { randomBytesPooled } from '../core/index.js';
import {
  type Context,
  decryptWithKey,
  encryptWithKey,
  readAlgorithm,
  readContext,
  readGrantTokens,
  requireEncryptionKey,
} from './envelope-crypto.js';
import { kmsError, validationError } from './errors.js';
import type { OperationTable } from './operation.js';
import type { OperationScope } from './scope.js';
import type { KeyRecord } from './types.js';
import { optionalEnum, optionalInt, optionalString, requireBlob, requireString } from './validate.js';

/** Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext), GenerateRandom. */
const ctxOption = (context: Context | undefined) => (context ? { encryptionContext: context } : {});

function encryptionKey(
  scope: OperationScope,
  keyIdParam: string,
  action: string,
  context: Context | undefined,
): KeyRecord {
  const key = scope.resolveKey(keyIdParam);
  scope.authorize(key, action, ctxOption(context));
  scope.requireEnabled(key);
  return key;
}

function dataKeyLength(keySpec: string | undefined, numberOfBytes: number | undefined): number {
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw validationError('keySpec', keySpec, 'Please specify either number of bytes or key spec.');
  }
  return keySpec === 'AES_128' ? 16 : keySpec === 'AES_256' ? 32 : numberOfBytes!;
}

function generateDataKey(
  scope: OperationScope,
  input: Parameters<OperationTable[string]>[1],
  action: string,
) {
  const keyIdParam = requireString(input, 'KeyId');
  const context = readContext(input);
  const keySpec = optionalEnum(input, 'KeySpec', ['AES_128', 'AES_256']);
  const numberOfBytes = optionalInt(input, 'NumberOfBytes', 1, 1024);
  readGrantTokens(input);
  const length = dataKeyLength(keySpec, numberOfBytes);
  const key = encryptionKey(scope, keyIdParam, action, context);
  requireEncryptionKey(key, 'SYMMETRIC_DEFAULT');
  const plaintext = randomBytesPooled(length);
  return { key, plaintext, blob: encryptWithKey(scope, key, plaintext, context, 'SYMMETRIC_DEFAULT') };
}

export const cryptoOperations: OperationTable = {
  Encrypt(scope, input) {
    const keyIdParam = requireString(input, 'KeyId');
    const plaintext = requireBlob(input, 'Plaintext', 4096);
    const context = readContext(input);
    const algorithm = readAlgorithm(input);
    readGrantTokens(input);
    const key = encryptionKey(scope, keyIdParam, 'Encrypt', context);
    requireEncryptionKey(key, algorithm);
    return {
      CiphertextBlob: encryptWithKey(scope, key, plaintext, context, algorithm),
      KeyId: key.arn,
      EncryptionAlgorithm: algorithm,
    };
  },

  Decrypt(scope, input) {
    const blob = requireBlob(input, 'CiphertextBlob', 6144);
    const context = readContext(input);
    const algorithm = readAlgorithm(input);
    const keyIdParam = optionalString(input, 'KeyId');
    readGrantTokens(input);
    if (input.Recipient !== undefined) {
      throw kmsError(
        'UnsupportedOperationException',
        'Recipient (Nitro Enclaves attestation) is not supported by the emulator',
      );
    }
    const { key, plaintext } = decryptWithKey(scope, {
      blob,
      context,
      algorithm,
      keyIdParam,
      action: 'Decrypt',
    });
    return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm };
  },

  ReEncrypt(scope, input) {
    const blob = requireBlob(input, 'CiphertextBlob', 6144);
    const sourceContext = readContext(input, 'SourceEncryptionContext');
    const sourceAlgorithm = readAlgorithm(input, 'SourceEncryptionAlgorithm');
    const sourceKeyId = optionalString(input, 'SourceKeyId');
    const destinationKeyId = requireString(input, 'DestinationKeyId');
    const destinationContext = readContext(input, 'DestinationEncryptionContext');
    const destinationAlgorithm = readAlgorithm(input, 'DestinationEncryptionAlgorithm');
    readGrantTokens(input);
    const source = decryptWithKey(scope, {
      blob,
      context: sourceContext,
      algorithm: sourceAlgorithm,
      keyIdParam: sourceKeyId,
      action: 'ReEncryptFrom',
    });
    try {
      const destination = scope.resolveKey(destinationKeyId);
      scope.authorize(destination, 'ReEncryptTo', ctxOption(destinationContext));
      scope.requireEnabled(destination);
      requireEncryptionKey(destination, destinationAlgorithm);
      return {
        CiphertextBlob: encryptWithKey(
          scope,
          destination,
          source.plaintext,
          destinationContext,
          destinationAlgorithm,
        ),
        SourceKeyId: source.key.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: sourceAlgorithm,
        DestinationEncryptionAlgorithm: destinationAlgorithm,
      };
    } finally {
      source.plaintext.fill(0);
    }
  },

  GenerateDataKey(scope, input) {
    const { key, plaintext, blob } = generateDataKey(scope, input, 'GenerateDataKey');
    return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: key.arn };
  },

  GenerateDataKeyWithoutPlaintext(scope, input) {
    const { key, plaintext, blob } = generateDataKey(scope, input, 'GenerateDataKeyWithoutPlaintext');
    plaintext.fill(0);
    return { CiphertextBlob: blob, KeyId: key.arn };
  },

  GenerateRandom(_scope, input) {
    const numberOfBytes = optionalInt(input, 'NumberOfBytes', 1, 1024);
    if (numberOfBytes === undefined)
      throw validationError('numberOfBytes', undefined, 'Member must not be null');
    if (input.CustomKeyStoreId !== undefined) {
      throw kmsError('UnsupportedOperationException', 'Custom key stores are not supported by the emulator');
    }
    return { Plaintext: randomBytes(numberOfBytes) };
  },
};
