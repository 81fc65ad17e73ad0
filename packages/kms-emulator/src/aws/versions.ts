import { randomUUID } from 'node:crypto';
import type { MaterialVault } from '../core/index.js';
import type { AwsResources } from './aws-resources.js';
import { keyArn } from './ids.js';
import { generateMaterial, importMaterial, seededVersionId } from './material.js';
import type { KeyRecord, KeyVersionRecord } from './types.js';

/** What the AWS model's operations keep and protect: its resources, the material vault, the clock. */
export interface KeyVault {
  store: AwsResources;
  /** Material wrapped under the root key, AAD = key ARN + version id. */
  material: MaterialVault;
  /** HMAC key (derived from the root key) that authenticates list markers. */
  markerKey: Buffer;
  now(): number;
}

/**
 * Wraps material for a new key record's first version: fresh, or the seed's (whose version id is then
 * derived from it, so two emulators seeded alike produce blobs that each other decrypts).
 */
export function firstVersion(
  vault: KeyVault,
  record: Pick<KeyRecord, 'arn' | 'keyId' | 'keySpec'>,
  seeded?: Buffer,
): KeyVersionRecord {
  const { material, publicKey } = seeded
    ? importMaterial(record.keySpec, seeded)
    : generateMaterial(record.keySpec);
  try {
    const versionId = seeded ? seededVersionId(record.keyId, material) : randomUUID();
    return {
      versionId,
      createdAt: vault.now(),
      wrappedMaterial: vault.material.wrap(record.arn, versionId, material),
      ...(publicKey ? { publicKey: publicKey.toString('base64') } : {}),
    };
  } finally {
    material.fill(0);
  }
}

/** Re-wraps every version of `source` for another ARN (a multi-Region replica shares the material). */
export function copyVersions(vault: KeyVault, source: KeyRecord, targetArn: string): KeyVersionRecord[] {
  return source.versions.map((v) => {
    const material = vault.material.unwrap(source.arn, v.versionId, v.wrappedMaterial);
    try {
      return { ...v, wrappedMaterial: vault.material.wrap(targetArn, v.versionId, material) };
    } finally {
      material.fill(0);
    }
  });
}

/**
 * Adds a new current version (rotation). For a multi-Region key the same material goes to every
 * copy, so each replica keeps decrypting what any other copy encrypts. Returns the updated record.
 */
export function rotate(vault: KeyVault, record: KeyRecord, type: 'AUTOMATIC' | 'ON_DEMAND'): KeyRecord {
  const { material } = generateMaterial(record.keySpec);
  try {
    const versionId = randomUUID();
    const createdAt = vault.now();
    const copies = record.mrk
      ? record.mrk.regions.map((r) =>
          r === record.region ? record : vault.store.getKey(keyArn(r, record.accountId, record.keyId)),
        )
      : [record];
    let updated = record;
    for (const copy of copies) {
      if (!copy) continue;
      copy.versions.push({
        versionId,
        createdAt,
        rotationType: type,
        wrappedMaterial: vault.material.wrap(copy.arn, versionId, material),
      });
      if (copy.rotation.enabled && copy.rotation.periodDays) {
        copy.rotation.nextRotationDate = createdAt + copy.rotation.periodDays * 86_400_000;
      }
      vault.store.putKey(copy);
      if (copy.arn === record.arn) updated = copy;
    }
    return updated;
  } finally {
    material.fill(0);
  }
}
