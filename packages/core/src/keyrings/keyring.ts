import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';

/**
 * Wraps and unwraps data keys under master keys.
 *
 * - `onEncrypt` generates the data key if none is set and it can (a generator), then adds one
 *   encrypted data key per master key it holds.
 * - `onDecrypt` sets the data key from the first encrypted data key it can open, or returns the
 *   materials unchanged when none of the keys are its own. It throws a {@link KeyringError} when
 *   keys were its own but every attempt failed, so callers can report why.
 */
export interface Keyring {
  /** A short human-readable name for error messages and logs, e.g. `raw-aes:ns/key`. */
  readonly description: string;
  onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials>;
  onDecrypt(
    materials: DecryptionMaterials,
    encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<DecryptionMaterials>;
}

/**
 * Base class that enforces the keyring invariants around the subclass's work: a keyring may add
 * encrypted data keys but never remove or replace them, and never replaces a data key that is set.
 */
export abstract class KeyringBase implements Keyring {
  abstract readonly description: string;

  protected abstract wrap(materials: EncryptionMaterials): Promise<void>;
  protected abstract unwrap(
    materials: DecryptionMaterials,
    encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<void>;

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    await this.wrap(materials);
    return materials;
  }

  async onDecrypt(
    materials: DecryptionMaterials,
    encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<DecryptionMaterials> {
    if (materials.hasDataKey) return materials;
    await this.unwrap(materials, encryptedDataKeys);
    return materials;
  }
}
