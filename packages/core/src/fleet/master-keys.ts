import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { type EncryptedDataKey, masterKeyName } from '../format/encrypted-data-key.js';
import type { Keyring } from '../keyrings/keyring.js';
import { MultiKeyring } from '../keyrings/multi-keyring.js';
import { EncryptionMaterials } from '../materials/materials.js';
import { getSuite, SuiteId } from '../suites/algorithm-suites.js';

/** A master key as a message names it: provider id and key name (`aws-kms arn:aws:kms:…`). */
export function masterKeyId(edk: EncryptedDataKey): string {
  return `${edk.providerId} ${masterKeyName(edk)}`;
}

/** The keyrings a multi-keyring is made of, generator first, depth first; any other keyring is a leaf. */
export function leafKeyrings(keyring: Keyring): Keyring[] {
  if (!(keyring instanceof MultiKeyring)) return [keyring];
  return [keyring.generator, ...keyring.children]
    .filter((k): k is Keyring => k !== undefined)
    .flatMap(leafKeyrings);
}

/** The master keys a target keyring writes, leaf by leaf (index i of `leaves` is leaf i of the keyring). */
export interface TargetMasterKeys {
  readonly leaves: readonly { readonly keyring: Keyring; readonly masterKeys: readonly string[] }[];
  readonly masterKeys: ReadonlySet<string>;
}

/**
 * Learns which master keys `keyring` wraps under by letting each leaf wrap a throwaway data key once
 * (one wrap per master key, once per run — a KMS keyring names its keys by the ARN KMS answers, which
 * may differ from the configured alias, so asking is the only reliable way). The throwaway key is
 * random, never used for data, and zero-filled at once.
 */
export async function probeMasterKeys(
  keyring: Keyring,
  retry: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<{ target: TargetMasterKeys; wraps: number }> {
  const leaves: { keyring: Keyring; masterKeys: string[] }[] = [];
  let wraps = 0;
  for (const leaf of leafKeyrings(keyring)) {
    const edks = await retry(async () => {
      const materials = new EncryptionMaterials(getSuite(SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY), {});
      const throwaway = randomBytes(32);
      try {
        materials.setDataKey(throwaway);
        await leaf.onEncrypt(materials);
        return materials.encryptedDataKeys;
      } finally {
        throwaway.fill(0);
        materials.zeroize();
      }
    });
    wraps += edks.length;
    if (edks.length === 0) {
      throw new InvalidArgumentError(
        `The target keyring ${leaf.description} wraps under no master key; a rewrap target must be able to encrypt (not a discovery keyring).`,
      );
    }
    leaves.push({ keyring: leaf, masterKeys: edks.map(masterKeyId) });
  }
  return {
    target: { leaves, masterKeys: new Set(leaves.flatMap((l) => l.masterKeys)) },
    wraps,
  };
}
