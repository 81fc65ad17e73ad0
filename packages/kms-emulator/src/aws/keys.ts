import { deletionDue, purgeKey } from './deletion.js';
import { kmsError, validationError } from './errors.js';
import { keyArn, newKeyId } from './ids.js';
import { requireMaterial } from './import-material.js';
import { checkPolicyLockout } from './key-policy.js';
import { KEY_SPEC_NAMES, KEY_SPECS, KEY_USAGES, type KeySpec } from './key-specs.js';
import { keyMetadata } from './metadata.js';
import type { OperationTable } from './operation.js';
import { pageResult, readPage } from './paginate.js';
import { defaultKeyPolicy } from './policy/evaluate.js';
import { parseTags } from './tags.js';
import type { KeyRecord } from './types.js';
import { optionalBoolean, optionalEnum, optionalInt, optionalString, requireString } from './validate.js';
import { firstVersion } from './versions.js';

const DAY = 86_400_000;

/** Key lifecycle: create, describe, list, enable/disable, schedule/cancel deletion. */
export const keyOperations: OperationTable = {
  CreateKey(scope, input) {
    const legacySpec = optionalEnum(input, 'CustomerMasterKeySpec', KEY_SPEC_NAMES);
    const keySpec: KeySpec =
      optionalEnum(input, 'KeySpec', KEY_SPEC_NAMES) ?? legacySpec ?? 'SYMMETRIC_DEFAULT';
    if (legacySpec && input.KeySpec !== undefined) {
      throw validationError('keySpec', keySpec, 'Specify KeySpec or CustomerMasterKeySpec, not both');
    }
    const keyUsage = optionalEnum(input, 'KeyUsage', KEY_USAGES) ?? 'ENCRYPT_DECRYPT';
    if (!KEY_SPECS[keySpec].usages.includes(keyUsage)) {
      throw validationError(
        'keyUsage',
        keyUsage,
        `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`,
      );
    }
    const origin = optionalEnum(input, 'Origin', [
      'AWS_KMS',
      'EXTERNAL',
      'AWS_CLOUDHSM',
      'EXTERNAL_KEY_STORE',
    ]);
    if (origin && origin !== 'AWS_KMS' && origin !== 'EXTERNAL') {
      throw kmsError('UnsupportedOperationException', `Origin ${origin} is not supported by the emulator`);
    }
    const external = origin === 'EXTERNAL';
    const description = optionalString(input, 'Description', 8192, 0) ?? '';
    const multiRegion = optionalBoolean(input, 'MultiRegion') ?? false;
    const tags = parseTags(input) ?? [];
    const policyText = optionalString(input, 'Policy', 32768);
    const bypass = optionalBoolean(input, 'BypassPolicyLockoutSafetyCheck') ?? false;
    if (external && multiRegion) {
      throw kmsError(
        'UnsupportedOperationException',
        'Multi-Region keys with Origin EXTERNAL are not supported by the emulator; create a single-Region key',
      );
    }

    const { region, accountId } = scope.ctx;
    const keyId = scope.ctx.seedKeyId ?? newKeyId(multiRegion);
    const arn = keyArn(region, accountId, keyId);
    const policy = policyText !== undefined ? checkPolicyLockout(scope, policyText, arn, bypass) : undefined;
    const record: KeyRecord = {
      arn,
      keyId,
      accountId,
      region,
      creationDate: scope.now(),
      description,
      keyUsage,
      keySpec,
      // An EXTERNAL key has no material until ImportKeyMaterial.
      keyState: external ? 'PendingImport' : 'Enabled',
      multiRegion,
      ...(multiRegion ? { mrk: { primaryRegion: region, regions: [region] } } : {}),
      policy: policy?.text ?? defaultKeyPolicy(accountId),
      tags,
      rotation: { enabled: false },
      versions: external ? [] : [firstVersion(scope.vault, { arn, keyId, keySpec }, scope.ctx.seedMaterial)],
      ...(external ? { origin: 'EXTERNAL' as const } : {}),
    };
    scope.store.putKey(record);
    scope.touch(record);
    return { KeyMetadata: keyMetadata(record) };
  },

  DescribeKey(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'DescribeKey');
    return { KeyMetadata: keyMetadata(key) };
  },

  ListKeys(scope, input) {
    const { region, accountId } = scope.ctx;
    const listing = `ListKeys:${region}:${accountId}`;
    const { limit, after } = readPage(input, listing, scope.vault.markerKey);
    const now = scope.now();
    const { records, next } = scope.store.listKeys(region, accountId, after, limit);
    // Keys past their deletion date are purged as they are met, as when any call looks at them.
    for (const key of records) if (deletionDue(key, now)) purgeKey(scope.store, key);
    const keys = records.filter((k) => !deletionDue(k, now));
    return {
      Keys: keys.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
      ...pageResult(next, listing, scope.vault.markerKey),
    };
  },

  EnableKey(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'EnableKey');
    scope.requireNotPendingDeletion(key);
    requireMaterial(key);
    key.keyState = 'Enabled';
    scope.store.putKey(key);
    return {};
  },

  DisableKey(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'DisableKey');
    scope.requireNotPendingDeletion(key);
    requireMaterial(key);
    key.keyState = 'Disabled';
    scope.store.putKey(key);
    return {};
  },

  UpdateKeyDescription(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const description = optionalString(input, 'Description', 8192, 0);
    if (description === undefined) throw validationError('description', undefined, 'Member must not be null');
    scope.authorize(key, 'UpdateKeyDescription');
    scope.requireNotPendingDeletion(key);
    key.description = description;
    scope.store.putKey(key);
    return {};
  },

  ScheduleKeyDeletion(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const days = optionalInt(input, 'PendingWindowInDays', 7, 30) ?? 30;
    scope.authorize(key, 'ScheduleKeyDeletion');
    scope.requireNotPendingDeletion(key);
    if (key.mrk && key.mrk.primaryRegion === key.region && key.mrk.regions.length > 1) {
      // AWS refuses to delete a primary while replicas exist.
      throw kmsError(
        'UnsupportedOperationException',
        `${key.arn} is a multi-Region primary key with replicas; delete its replicas first or change the primary Region`,
      );
    }
    key.keyState = 'PendingDeletion';
    key.deletionDate = scope.now() + days * DAY;
    key.pendingWindowDays = days;
    scope.store.putKey(key);
    return {
      KeyId: key.arn,
      DeletionDate: new Date(key.deletionDate),
      KeyState: key.keyState,
      PendingWindowInDays: days,
    };
  },

  CancelKeyDeletion(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'CancelKeyDeletion');
    if (key.keyState !== 'PendingDeletion') {
      throw kmsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
    }
    // As in AWS, a key whose deletion is cancelled comes back Disabled (PendingImport with no material).
    key.keyState = key.versions.length > 0 ? 'Disabled' : 'PendingImport';
    delete key.deletionDate;
    delete key.pendingWindowDays;
    scope.store.putKey(key);
    return { KeyId: key.arn };
  },
};
