import {
  EnvelopeError,
  InvalidArgumentError,
  type KeyringFailure,
  NoDataKeyError,
  TooFewWrapsError,
} from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import { generateDataKey } from './generate-data-key.js';
import type { Keyring } from './keyring.js';

export interface MultiKeyringOptions {
  /** Generates the data key and wraps it first. Required to encrypt unless the materials already have a key. */
  readonly generator?: Keyring;
  /** Each wraps the same data key; on decrypt, tried in order after the generator. */
  readonly children?: readonly Keyring[];
  /**
   * Writing during an outage. Unset (the default): every keyring must wrap, and the first failure
   * fails the encrypt. A number N: the message is written when at least N master keys (encrypted
   * data keys) wrapped the data key; each keyring that failed is recorded as skipped
   * (`EncryptResult.skippedMasterKeys`) and fewer than N is a {@link TooFewWrapsError}. If the
   * generator is the one down, the data key is generated locally (Node's CSPRNG, as raw keyrings
   * do) and the children wrap it.
   */
  readonly minimumWraps?: number;
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
  readonly minimumWraps: number | undefined;

  constructor(options: MultiKeyringOptions) {
    this.generator = options.generator;
    this.children = Object.freeze([...(options.children ?? [])]);
    if (!this.generator && this.children.length === 0) {
      throw new InvalidArgumentError('A multi-keyring needs a generator, children, or both.');
    }
    const min = options.minimumWraps;
    if (min !== undefined && (!Number.isSafeInteger(min) || min < 1)) {
      throw new InvalidArgumentError(`minimumWraps must be a whole number of at least 1, not ${min}.`);
    }
    this.minimumWraps = min;
    const parts = [this.generator, ...this.children].filter((k): k is Keyring => k !== undefined);
    this.description = `multi(${parts.map((k) => k.description).join(', ')})`;
  }

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    if (this.minimumWraps !== undefined) return this.#encryptWithQuorum(materials, this.minimumWraps);
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

  /** Every keyring is tried; the failures are recorded, and fewer than `required` wraps fail. */
  async #encryptWithQuorum(materials: EncryptionMaterials, required: number): Promise<EncryptionMaterials> {
    const before = materials.encryptedDataKeys.length;
    const failures: KeyringFailure[] = [];
    const attempt = async (keyring: Keyring) => {
      try {
        await keyring.onEncrypt(materials);
      } catch (error) {
        failures.push({ keyring: keyring.description, error: error as Error });
      }
    };
    if (this.generator) {
      await attempt(this.generator);
      if (!materials.hasDataKey && failures.length > 0) generateDataKey(materials);
    }
    if (!materials.hasDataKey) {
      throw new InvalidArgumentError(
        this.generator
          ? `The generator ${this.generator.description} did not produce a data key.`
          : 'This multi-keyring has no generator and the materials have no data key; configure a generator.',
      );
    }
    for (const child of this.children) await attempt(child);
    const wrapped = materials.encryptedDataKeys.length - before;
    if (wrapped < required) throw new TooFewWrapsError(this.description, wrapped, required, failures);
    for (const { keyring, error } of failures) {
      const code = error instanceof EnvelopeError ? error.code : (error as { code?: string }).code;
      materials.recordSkippedMasterKey({ keyring, code: String(code ?? error.name), reason: error.message });
    }
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
