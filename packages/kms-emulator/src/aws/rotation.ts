import { kmsError } from './errors.js';
import type { OperationTable } from './operation.js';
import { pageResult, readPage } from './paginate.js';
import type { OperationScope } from './scope.js';
import type { KeyRecord } from './types.js';
import { type Input, optionalInt, requireString } from './validate.js';
import { rotate } from './versions.js';

/** EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations. */
const DAY = 86_400_000;

function rotatableKey(scope: OperationScope, input: Input, action: string): KeyRecord {
  const key = scope.resolveKey(requireString(input, 'KeyId'));
  scope.authorize(key, action);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw kmsError(
      'UnsupportedOperationException',
      `${key.arn} key spec ${key.keySpec} does not support rotation.`,
    );
  }
  if (key.origin === 'EXTERNAL') {
    throw kmsError(
      'UnsupportedOperationException',
      `${key.arn} has imported key material (Origin EXTERNAL); the emulator does not rotate imported material.`,
    );
  }
  if (key.mrk && key.mrk.primaryRegion !== key.region) {
    throw kmsError(
      'UnsupportedOperationException',
      `${key.arn} is a multi-Region replica; rotation is managed on the primary key.`,
    );
  }
  return key;
}

export const rotationOperations: OperationTable = {
  EnableKeyRotation(scope, input) {
    const periodDays = optionalInt(input, 'RotationPeriodInDays', 90, 2560) ?? 365;
    const key = rotatableKey(scope, input, 'EnableKeyRotation');
    scope.requireEnabled(key);
    key.rotation = { enabled: true, periodDays, nextRotationDate: scope.now() + periodDays * DAY };
    scope.store.putKey(key);
    return {};
  },

  DisableKeyRotation(scope, input) {
    const key = rotatableKey(scope, input, 'DisableKeyRotation');
    scope.requireEnabled(key);
    key.rotation = { enabled: false };
    scope.store.putKey(key);
    return {};
  },

  GetKeyRotationStatus(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'GetKeyRotationStatus');
    scope.requireNotPendingDeletion(key);
    const onDemand = key.versions.filter((v) => v.rotationType === 'ON_DEMAND').at(-1);
    return {
      KeyRotationEnabled: key.rotation.enabled,
      KeyId: key.arn,
      ...(key.rotation.periodDays ? { RotationPeriodInDays: key.rotation.periodDays } : {}),
      ...(key.rotation.nextRotationDate ? { NextRotationDate: new Date(key.rotation.nextRotationDate) } : {}),
      ...(onDemand ? { OnDemandRotationStartDate: new Date(onDemand.createdAt) } : {}),
    };
  },

  RotateKeyOnDemand(scope, input) {
    const key = rotatableKey(scope, input, 'RotateKeyOnDemand');
    scope.requireEnabled(key);
    if (key.versions.filter((v) => v.rotationType === 'ON_DEMAND').length >= 25) {
      throw kmsError('LimitExceededException', `${key.arn} has reached the limit of 25 on-demand rotations.`);
    }
    rotate(scope.vault, key, 'ON_DEMAND');
    return { KeyId: key.arn };
  },

  ListKeyRotations(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    scope.authorize(key, 'ListKeyRotations');
    const listing = `ListKeyRotations:${key.arn}`;
    const { limit, after } = readPage(input, listing, scope.vault.markerKey, 1000, 100);
    // The rotations live in the key record, oldest first; a marker names the last version returned.
    const rotations = key.versions.slice(1);
    const start = after === undefined ? 0 : rotations.findIndex((v) => v.versionId === after) + 1;
    const page = rotations.slice(start, start + limit);
    const more = start + limit < rotations.length;
    return {
      Rotations: page.map((v) => ({
        KeyId: key.arn,
        RotationDate: new Date(v.createdAt),
        RotationType: v.rotationType ?? 'AUTOMATIC',
      })),
      ...pageResult(more ? page.at(-1)!.versionId : undefined, listing, scope.vault.markerKey),
    };
  },
};
