import { InvalidArgumentError, type KeyringFailure, NoDataKeyError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import type { Keyring } from './keyring.js';

export interface MultiKeyringOptions {
  /** Generates the data key and wraps it first. Required to encrypt unless the materials already have a key. */
  readonly generator?: Keyring;
  /** Each wraps the same data key; on decrypt, tried in order after the generator. */
  readonly children?: readonly Keyring[];
}

/**
 * Wraps one data key under many master keys (regions, clouds) so any one of them can decrypt.
 * Decrypt tries the generator, then each child, and stops at the first that yields the data key; a
 * child that fails costs a fall-over, not a failure. When all fail, the error lists every cause.
 */
export class MultiKeyring implements Keyring {
  readonly description: string;
  readonly generator: Keyring | undefined;
  readonly children: readonly Keyring[];

  constructor(options: MultiKeyringOptions) {
    this.generator = options.generator;
    this.children = Object.freeze([...(options.children ?? [])]);
    if (!this.generator && this.children.length === 0) {
      throw new InvalidArgumentError('A multi-keyring needs a generator, children, or both.');
    }
    const parts = [this.generator, ...this.children].filter((k): k is Keyring => k !== undefined);
    this.description = `multi(${parts.map((k) => k.description).join(', ')})`;
  }

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    if (this.generator) {
      await this.generator.onEncrypt(materials);
      if (!materials.hasDataKey) {
        throw new InvalidArgumentError(
          `The generator ${this.generator.description} did not produce a data key.`,
        );
      }
    } else if (!materials.hasDataKey) {
      throw new InvalidArgumentError(
        'This multi-keyring has no generator and the materials have no data key; configure a generator.',
      );
    }
    for (const child of this.children) await child.onEncrypt(materials);
    return materials;
  }

  async onDecrypt(
    materials: DecryptionMaterials,
    encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<DecryptionMaterials> {
    const failures: KeyringFailure[] = [];
    for (const keyring of [this.generator, ...this.children]) {
      if (!keyring || materials.hasDataKey) continue;
      try {
        await keyring.onDecrypt(materials, encryptedDataKeys);
      } catch (error) {
        failures.push({ keyring: keyring.description, error: error as Error });
      }
    }
    if (!materials.hasDataKey && failures.length > 0) {
      throw new NoDataKeyError(`No keyring of ${this.description} could decrypt the data key.`, failures);
    }
    return materials;
  }
}
