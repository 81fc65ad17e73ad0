import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { MaterialVault } from '../core/index.js';
import { invalidState, kmsError, validationError } from './errors.js';
import { openImportToken, sealImportToken } from './import-token.js';
import {
  unwrapKeyMaterial,
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  type WrappingKeySpec,
} from './import-wrapping.js';
import { KEY_SPECS } from './key-specs.js';
import { seededVersionId } from './material.js';
import type { OperationTable } from './operation.js';
import type { OperationScope } from './scope.js';
import type { ImportedMaterialRecord, KeyRecord } from './types.js';
import {
  type Input,
  optionalEnum,
  optionalString,
  requireBlob,
  requireEnum,
  requireString,
} from './validate.js';

/** GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial: keys with Origin EXTERNAL. */
const DAY = 86_400_000;
const EXPIRATION_MODELS = ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const;
const WRAPPING_KEY_SPEC_NAMES = Object.keys(WRAPPING_KEY_SPECS) as WrappingKeySpec[];

function externalKey(scope: OperationScope, input: Input, action: string): KeyRecord {
  const key = scope.resolveKey(requireString(input, 'KeyId'));
  scope.authorize(key, action);
  if (key.origin !== 'EXTERNAL') {
    throw kmsError(
      'UnsupportedOperationException',
      `${key.arn} origin is AWS_KMS which is not valid for this operation.`,
    );
  }
  scope.requireNotPendingDeletion(key);
  return key;
}

/** Expired or deleted material: the key keeps its identity (`imported`) but no usable version. */
export function removeImportedMaterial(key: KeyRecord): void {
  key.versions = [];
  if (key.keyState !== 'PendingDeletion') key.keyState = 'PendingImport';
}

/** True when the imported material of `key` has passed its ValidTo. */
export function importedMaterialExpired(key: KeyRecord, now: number): boolean {
  const validTo = key.imported?.validTo;
  return validTo !== undefined && key.versions.length > 0 && now >= validTo;
}

/**
 * Checks unwrapped material against the key spec and returns it in canonical form (PKCS#8 DER for
 * asymmetric keys, so one private key always has one identity) with its public key.
 */
function canonicalMaterial(key: KeyRecord, material: Buffer): { material: Buffer; publicKey?: Buffer } {
  const info = KEY_SPECS[key.keySpec];
  const incorrect = (why: string) =>
    kmsError('IncorrectKeyMaterialException', `The key material is not valid for ${key.arn}: ${why}.`);
  switch (info.family) {
    case 'symmetric':
      if (material.length !== 32)
        throw incorrect('SYMMETRIC_DEFAULT key material must be 256 bits (32 bytes)');
      return { material: Buffer.from(material) };
    case 'hmac':
      if (material.length < info.size! || material.length > 64) {
        throw incorrect(`${key.keySpec} key material must be ${info.size} to 64 bytes`);
      }
      return { material: Buffer.from(material) };
    default: {
      let privateKey: ReturnType<typeof createPrivateKey>;
      try {
        privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
      } catch {
        throw incorrect(`${key.keySpec} key material must be a PKCS#8 DER private key`);
      }
      const details = privateKey.asymmetricKeyDetails ?? {};
      const fits =
        info.family === 'rsa'
          ? privateKey.asymmetricKeyType === 'rsa' && details.modulusLength === info.size
          : privateKey.asymmetricKeyType === 'ec' && details.namedCurve === curveOid(info.namedCurve!);
      if (!fits) throw incorrect(`the private key does not match key spec ${key.keySpec}`);
      return {
        material: privateKey.export({ format: 'der', type: 'pkcs8' }),
        publicKey: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }),
      };
    }
  }
}

/** node reports EC curves by their OpenSSL names. */
const curveOid = (namedCurve: string): string =>
  ({ 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' })[namedCurve] ?? namedCurve;

/** The material's identity for this key: an HMAC under a root-derived key, so it reveals nothing. */
function materialId(vault: MaterialVault, arn: string, material: Buffer): string {
  const idKey = vault.deriveKey('envelope-kms-emulator:material-id');
  try {
    return createHmac('sha256', idKey).update(arn).update('\0').update(material).digest('hex');
  } finally {
    idKey.fill(0);
  }
}

/** ValidTo (epoch seconds on the wire) and ExpirationModel, checked together as KMS does. */
function readExpiration(
  scope: OperationScope,
  input: Input,
): Pick<ImportedMaterialRecord, 'expirationModel' | 'validTo'> {
  const model = optionalEnum(input, 'ExpirationModel', EXPIRATION_MODELS);
  const raw = input.ValidTo;
  const validTo = typeof raw === 'number' && Number.isFinite(raw) ? Math.round(raw * 1000) : undefined;
  if (raw !== undefined && raw !== null && validTo === undefined) {
    throw validationError('validTo', raw, 'Member must be a timestamp');
  }
  const expirationModel =
    model ?? (validTo !== undefined ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (validTo !== undefined) {
      throw kmsError(
        'ValidationException',
        'ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.',
      );
    }
    return { expirationModel };
  }
  if (validTo === undefined) {
    throw kmsError(
      'ValidationException',
      'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.',
    );
  }
  const now = scope.now();
  if (validTo <= now || validTo > now + 365 * DAY) {
    throw kmsError(
      'ValidationException',
      `ValidTo must be a future time no more than 365 days from now; got ${new Date(validTo).toISOString()}.`,
    );
  }
  return { expirationModel, validTo };
}

export const importOperations: OperationTable = {
  GetParametersForImport(scope, input) {
    const algorithm = requireEnum(input, 'WrappingAlgorithm', WRAPPING_ALGORITHMS);
    const spec = requireEnum(input, 'WrappingKeySpec', WRAPPING_KEY_SPEC_NAMES);
    const key = externalKey(scope, input, 'GetParametersForImport');
    const pair = generateKeyPairSync('rsa', {
      modulusLength: WRAPPING_KEY_SPECS[spec],
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    const validTo = scope.now() + DAY;
    const ImportToken = sealImportToken(scope.vault.material, {
      keyArn: key.arn,
      algorithm,
      validTo,
      wrappingKey: pair.privateKey.toString('base64'),
    });
    pair.privateKey.fill(0);
    return { KeyId: key.arn, ImportToken, PublicKey: pair.publicKey, ParametersValidTo: new Date(validTo) };
  },

  ImportKeyMaterial(scope, input) {
    const token = requireBlob(input, 'ImportToken', 6144);
    const wrapped = requireBlob(input, 'EncryptedKeyMaterial', 6144);
    const importType = optionalEnum(input, 'ImportType', ['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL']);
    optionalString(input, 'KeyMaterialDescription', 256, 0);
    optionalString(input, 'KeyMaterialId', 64);
    const expiration = readExpiration(scope, input);
    const key = externalKey(scope, input, 'ImportKeyMaterial');
    const { algorithm, wrappingKey } = openImportToken(scope.vault.material, key.arn, token, scope.now());
    let unwrapped: Buffer;
    try {
      unwrapped = unwrapKeyMaterial(wrappingKey, algorithm, wrapped);
    } catch {
      throw kmsError(
        'InvalidCiphertextException',
        `EncryptedKeyMaterial could not be unwrapped; wrap the key material with ${algorithm} under the public key from the same GetParametersForImport response as the import token.`,
      );
    }
    const { material, publicKey } = canonicalMaterial(key, unwrapped);
    unwrapped.fill(0);
    try {
      const id = materialId(scope.vault.material, key.arn, material);
      if (key.imported && key.imported.materialId !== id) {
        throw kmsError(
          'IncorrectKeyMaterialException',
          `The key material is not the material previously imported into ${key.arn}; a KMS key accepts only the same material again.`,
        );
      }
      if (key.imported && importType === 'NEW_KEY_MATERIAL') {
        throw kmsError(
          'UnsupportedOperationException',
          `${key.arn} already has imported key material; the emulator does not rotate imported material (use EXISTING_KEY_MATERIAL).`,
        );
      }
      // Re-importing over live material replaces only the expiration settings, as in KMS.
      // A seed's import (the server's seed file, never a request) derives the version id from the
      // material, as seeded CreateKey does, so emulators seeded alike share ciphertext blobs.
      const versionId =
        key.imported?.versionId ??
        (scope.ctx.seedKeyId === key.keyId ? seededVersionId(key.keyId, material) : randomUUID());
      const createdAt = key.imported?.createdAt ?? scope.now();
      key.versions = [
        {
          versionId,
          createdAt,
          wrappedMaterial: scope.vault.material.wrap(key.arn, versionId, material),
          ...(publicKey ? { publicKey: publicKey.toString('base64') } : {}),
        },
      ];
      key.imported = {
        materialId: id,
        versionId,
        createdAt,
        ...(publicKey ? { publicKey: publicKey.toString('base64') } : {}),
        ...expiration,
      };
      if (key.keyState === 'PendingImport') key.keyState = 'Enabled';
      scope.store.putKey(key);
      return { KeyId: key.arn, KeyMaterialId: id };
    } finally {
      material.fill(0);
    }
  },

  DeleteImportedKeyMaterial(scope, input) {
    optionalString(input, 'KeyMaterialId', 64);
    const key = externalKey(scope, input, 'DeleteImportedKeyMaterial');
    removeImportedMaterial(key);
    scope.store.putKey(key);
    return { KeyId: key.arn, ...(key.imported ? { KeyMaterialId: key.imported.materialId } : {}) };
  },
};

/** EnableKey and DisableKey cannot act on a key with no material. */
export function requireMaterial(key: KeyRecord): void {
  if (key.keyState === 'PendingImport') throw invalidState(key.arn, key.keyState);
}
