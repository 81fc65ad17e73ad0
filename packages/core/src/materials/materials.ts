import type { KeyObject } from 'node:crypto';
import { InvalidArgumentError, KeyringError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { EncryptionContext } from '../format/encryption-context.js';
import type { AlgorithmSuite } from '../suites/algorithm-suites.js';

/**
 * Holds the plaintext data key of one message. The key is set at most once, handed out as a view
 * that must not be retained, and zero-filled by {@link zeroize}. Never serialized or logged.
 */
class DataKeySlot {
  #key: Buffer | undefined;
  #zeroized = false;

  constructor(private readonly suite: AlgorithmSuite) {}

  get isSet(): boolean {
    return this.#key !== undefined;
  }

  set(key: Uint8Array): void {
    if (this.#key) throw new KeyringError('The data key is already set; a keyring may set it only once.');
    if (this.#zeroized) throw new KeyringError('These materials were already used and zeroized.');
    if (key.length !== this.suite.keyLength) {
      throw new KeyringError(
        `A keyring produced a ${key.length}-byte data key; suite ${this.suite.name} needs ${this.suite.keyLength} bytes.`,
      );
    }
    // Own copy, so zeroize() clears the only copy this library holds.
    this.#key = Buffer.alloc(key.length);
    this.#key.set(key);
  }

  get(): Buffer {
    if (!this.#key) {
      throw new KeyringError(
        this.#zeroized
          ? 'The data key was already zeroized after use.'
          : 'No keyring produced a data key: configure a generator keyring for encryption.',
      );
    }
    return this.#key;
  }

  zeroize(): void {
    this.#key?.fill(0);
    this.#key = undefined;
    this.#zeroized = true;
  }
}

const NO_KEYS: readonly string[] = Object.freeze([]);

abstract class Materials {
  readonly #dataKey: DataKeySlot;
  /** Made with the first required key: most materials have none. */
  #requiredKeys: Set<string> | undefined;

  constructor(
    readonly suite: AlgorithmSuite,
    readonly encryptionContext: EncryptionContext,
  ) {
    this.#dataKey = new DataKeySlot(suite);
  }

  get hasDataKey(): boolean {
    return this.#dataKey.isSet;
  }

  /** The plaintext data key. A view: do not keep it beyond the call. */
  get dataKey(): Buffer {
    return this.#dataKey.get();
  }

  setDataKey(key: Uint8Array): this {
    this.#dataKey.set(key);
    return this;
  }

  zeroize(): void {
    this.#dataKey.zeroize();
  }

  /**
   * Keys of the encryption context that are authenticated but not stored in the message
   * (framework/structures.md "required encryption context keys"): the reader must supply them again.
   */
  get requiredEncryptionContextKeys(): readonly string[] {
    return this.#requiredKeys ? [...this.#requiredKeys] : NO_KEYS;
  }

  /** Add-only, like encrypted data keys: a required key can never be dropped once set. */
  requireEncryptionContextKeys(keys: Iterable<string>): this {
    for (const key of keys) {
      if (!Object.hasOwn(this.encryptionContext, key)) {
        throw new InvalidArgumentError(
          `Required encryption context key '${key}' is not in the materials' encryption context.`,
        );
      }
      this.#requiredKeys ??= new Set();
      this.#requiredKeys.add(key);
    }
    return this;
  }

  toJSON(): Record<string, unknown> {
    return {
      suite: this.suite.name,
      encryptionContext: this.encryptionContext,
      requiredEncryptionContextKeys: this.requiredEncryptionContextKeys,
      hasDataKey: this.hasDataKey,
    };
  }
}

/**
 * A master key a multi-keyring left out because it could not wrap (outage mode, `minimumWraps`):
 * plain data, safe to print and serialize — the keyring's description and the error's code and
 * message, which never hold key bytes.
 */
export interface SkippedMasterKey {
  readonly keyring: string;
  readonly code: string;
  readonly reason: string;
}

export class EncryptionMaterials extends Materials {
  readonly #encryptedDataKeys: EncryptedDataKey[] = [];
  readonly #skipped: SkippedMasterKey[] = [];

  constructor(
    suite: AlgorithmSuite,
    encryptionContext: EncryptionContext,
    /** ECDSA private key for signed suites; one per message. */
    readonly signingKey?: KeyObject,
  ) {
    super(suite, encryptionContext);
  }

  get encryptedDataKeys(): readonly EncryptedDataKey[] {
    return [...this.#encryptedDataKeys];
  }

  /** Keyrings may only add encrypted data keys, never remove or replace them. */
  addEncryptedDataKey(edk: EncryptedDataKey): this {
    if (!this.hasDataKey) {
      throw new KeyringError('An encrypted data key was added before the data key was set.');
    }
    if (!edk.providerId) throw new InvalidArgumentError('An encrypted data key needs a provider id.');
    this.#encryptedDataKeys.push(Object.freeze({ ...edk }));
    return this;
  }

  /** Master keys left out of this message, and why (add-only, like the encrypted data keys). */
  get skippedMasterKeys(): readonly SkippedMasterKey[] {
    return [...this.#skipped];
  }

  recordSkippedMasterKey(skipped: SkippedMasterKey): this {
    this.#skipped.push(
      Object.freeze({ keyring: skipped.keyring, code: skipped.code, reason: skipped.reason }),
    );
    return this;
  }
}

export class DecryptionMaterials extends Materials {
  constructor(
    suite: AlgorithmSuite,
    encryptionContext: EncryptionContext,
    /** ECDSA public key from the message's context, for signed suites. */
    readonly verificationKey?: KeyObject,
  ) {
    super(suite, encryptionContext);
  }
}
