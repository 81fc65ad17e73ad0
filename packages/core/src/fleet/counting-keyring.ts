import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { Keyring } from '../keyrings/keyring.js';
import { MultiKeyring } from '../keyrings/multi-keyring.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';

/** Key-management calls made by a run, as keyrings make them (one per wrapped or unwrapped data key). */
export interface KmsCallCount {
  /** Data keys wrapped (a KMS GenerateDataKey or Encrypt each). */
  wraps: number;
  /** Unwrap attempts that answered: the data key was obtained, or the call failed (a KMS Decrypt each). */
  unwraps: number;
}

/** A leaf keyring that counts, into a shared tally, what it wraps and unwraps. */
class CountingKeyring implements Keyring {
  readonly description: string;
  constructor(
    readonly inner: Keyring,
    readonly count: KmsCallCount,
  ) {
    this.description = inner.description;
  }

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    const before = materials.encryptedDataKeys.length;
    try {
      return await this.inner.onEncrypt(materials);
    } finally {
      this.count.wraps += materials.encryptedDataKeys.length - before;
    }
  }

  async onDecrypt(
    materials: DecryptionMaterials,
    encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<DecryptionMaterials> {
    const had = materials.hasDataKey;
    try {
      const out = await this.inner.onDecrypt(materials, encryptedDataKeys);
      if (!had && materials.hasDataKey) this.count.unwraps++;
      return out;
    } catch (error) {
      this.count.unwraps++;
      throw error;
    }
  }
}

/**
 * The same keyring with each leaf counting into `count`; a multi-keyring is rebuilt with the same
 * generator/children shape, so it behaves exactly as before. `leaves` are the counting leaves in
 * {@link leafKeyrings} order.
 */
export function countingKeyring(
  keyring: Keyring,
  count: KmsCallCount,
): { keyring: Keyring; leaves: Keyring[] } {
  const leaves: Keyring[] = [];
  const rebuild = (k: Keyring): Keyring => {
    if (!(k instanceof MultiKeyring)) {
      const leaf = new CountingKeyring(k, count);
      leaves.push(leaf);
      return leaf;
    }
    const generator = k.generator && rebuild(k.generator);
    const children = k.children.map(rebuild);
    return new MultiKeyring({ ...(generator ? { generator } : {}), children });
  };
  return { keyring: rebuild(keyring), leaves };
}
