import { keyId } from './names.js';
import {
  type AzureKeyRecord,
  type AzureKeyVersionRecord,
  RECOVERABLE_DAYS,
  type RotationPolicyRecord,
} from './records.js';

/** The JSON shapes Key Vault answers with (KeyBundle, KeyItem, DeletedKeyBundle …), from records. */
export function attributesOf(version: AzureKeyVersionRecord) {
  return {
    enabled: version.enabled,
    ...(version.nbf !== undefined ? { nbf: version.nbf } : {}),
    ...(version.exp !== undefined ? { exp: version.exp } : {}),
    created: version.created,
    updated: version.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: RECOVERABLE_DAYS,
    exportable: false,
  };
}

const tagsOf = (version: AzureKeyVersionRecord) =>
  Object.keys(version.tags).length ? { tags: { ...version.tags } } : {};

export function keyBundle(vaultUrl: string, version: AzureKeyVersionRecord) {
  return {
    key: {
      kid: keyId(vaultUrl, version.name, version.version),
      kty: version.kty,
      key_ops: [...version.keyOps],
      ...version.publicJwk,
    },
    attributes: attributesOf(version),
    ...tagsOf(version),
  };
}

export function keyItem(vaultUrl: string, version: AzureKeyVersionRecord, versioned: boolean) {
  return {
    kid: keyId(vaultUrl, version.name, versioned ? version.version : undefined),
    attributes: attributesOf(version),
    ...tagsOf(version),
  };
}

function deletion(vaultUrl: string, key: AzureKeyRecord) {
  return {
    recoveryId: `${vaultUrl}/deletedkeys/${key.name}`,
    deletedDate: key.deleted!.deletedDate,
    scheduledPurgeDate: key.deleted!.scheduledPurgeDate,
  };
}

export const deletedKeyBundle = (vaultUrl: string, key: AzureKeyRecord, version: AzureKeyVersionRecord) => ({
  ...keyBundle(vaultUrl, version),
  ...deletion(vaultUrl, key),
});

export const deletedKeyItem = (vaultUrl: string, key: AzureKeyRecord, version: AzureKeyVersionRecord) => ({
  ...keyItem(vaultUrl, version, false),
  ...deletion(vaultUrl, key),
});

/** Key Vault's policy for a key that was never given one: notify 30 days before expiry. */
const DEFAULT_ACTIONS = [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }];

export function rotationPolicy(vaultUrl: string, name: string, policy: RotationPolicyRecord | undefined) {
  return {
    id: `${vaultUrl}/keys/${name}/rotationpolicy`,
    lifetimeActions: policy ? structuredClone(policy.lifetimeActions) : DEFAULT_ACTIONS,
    attributes: policy
      ? {
          ...(policy.expiryTime ? { expiryTime: policy.expiryTime } : {}),
          created: policy.created,
          updated: policy.updated,
        }
      : {},
  };
}
