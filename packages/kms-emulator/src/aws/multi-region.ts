import { kmsError, validationError } from './errors.js';
import { keyArn, REGION_NAME } from './ids.js';
import { keyMetadata } from './metadata.js';
import type { OperationTable } from './operation.js';
import { parsePolicy } from './policy/document.js';
import { defaultKeyPolicy } from './policy/evaluate.js';
import type { OperationScope } from './scope.js';
import { parseTags } from './tags.js';
import type { KeyRecord } from './types.js';
import { optionalString, requireString } from './validate.js';
import { copyVersions } from './versions.js';

/** ReplicateKey and UpdatePrimaryRegion: copies of one multi-Region key share id and material. */

function copies(scope: OperationScope, key: KeyRecord): KeyRecord[] {
  return key
    .mrk!.regions.map((r) =>
      r === key.region ? key : scope.store.getKey(keyArn(r, key.accountId, key.keyId)),
    )
    .filter((k): k is KeyRecord => k !== undefined);
}

export const multiRegionOperations: OperationTable = {
  ReplicateKey(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const replicaRegion = requireString(input, 'ReplicaRegion', 32);
    if (!REGION_NAME.test(replicaRegion))
      throw validationError('replicaRegion', replicaRegion, 'Member must be a valid AWS Region name');
    const description = optionalString(input, 'Description', 8192, 0);
    const policyText = optionalString(input, 'Policy', 32768);
    const policy = policyText !== undefined ? parsePolicy(policyText) : undefined;
    const tags = parseTags(input);
    scope.authorize(key, 'ReplicateKey');
    scope.requireNotPendingDeletion(key);
    if (!key.mrk) throw kmsError('UnsupportedOperationException', `${key.arn} is not a multi-Region key.`);
    if (key.mrk.primaryRegion !== key.region) {
      throw kmsError(
        'UnsupportedOperationException',
        `${key.arn} is a replica key; replicate the primary key.`,
      );
    }
    const replicaArn = keyArn(replicaRegion, key.accountId, key.keyId);
    if (replicaRegion === key.region || scope.store.getKey(replicaArn)) {
      throw kmsError('AlreadyExistsException', `Key '${replicaArn}' already exists`);
    }
    const regions = [...key.mrk.regions, replicaRegion];
    const replica: KeyRecord = {
      ...structuredClone(key),
      arn: replicaArn,
      region: replicaRegion,
      creationDate: scope.now(),
      description: description ?? key.description,
      policy: policy?.text ?? defaultKeyPolicy(key.accountId),
      tags: tags ?? [],
      keyState: key.keyState === 'Disabled' ? 'Disabled' : 'Enabled',
      rotation: { enabled: key.rotation.enabled },
      versions: copyVersions(scope.vault, key, replicaArn),
    };
    for (const copy of [...copies(scope, key), replica]) {
      copy.mrk = { primaryRegion: key.region, regions };
      scope.store.putKey(copy);
    }
    return {
      ReplicaKeyMetadata: keyMetadata(replica),
      ReplicaPolicy: replica.policy,
      ReplicaTags: replica.tags,
    };
  },

  UpdatePrimaryRegion(scope, input) {
    const key = scope.resolveKey(requireString(input, 'KeyId'));
    const primaryRegion = requireString(input, 'PrimaryRegion', 32);
    scope.authorize(key, 'UpdatePrimaryRegion');
    scope.requireNotPendingDeletion(key);
    if (!key.mrk) throw kmsError('UnsupportedOperationException', `${key.arn} is not a multi-Region key.`);
    if (key.mrk.primaryRegion !== key.region) {
      throw kmsError('UnsupportedOperationException', `${key.arn} is not the primary key.`);
    }
    if (!key.mrk.regions.includes(primaryRegion)) {
      throw kmsError(
        'NotFoundException',
        `Key '${keyArn(primaryRegion, key.accountId, key.keyId)}' does not exist`,
      );
    }
    for (const copy of copies(scope, key)) {
      copy.mrk = { primaryRegion, regions: key.mrk.regions };
      scope.store.putKey(copy);
    }
    return {};
  },
};
