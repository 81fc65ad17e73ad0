import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  generateDataKey,
  InvalidArgumentError,
  KeyringBase,
  providerInfoText,
  serializeEncryptionContext,
  unwrapFirst,
} from '@envelope/core';
import { gcpClientSupplier } from './client-cache.js';
import { callGcpKms, decryptDataKey, encryptDataKey } from './kms-calls.js';
import type { GcpClientSupplier, GcpKmsClient } from './kms-port.js';
import { GCP_KMS_PROVIDER_ID } from './provider-id.js';
import { assertCryptoKeyName } from './resource-names.js';
import type { GcpRetryOptions } from './retry.js';

/** Where the keyring's calls go: one client, a supplier by location, or (neither) the cached default client. */
export interface GcpKmsClientChoice {
  /** A `KeyManagementServiceClient` (or anything of its shape, e.g. a fake in tests). */
  readonly client?: GcpKmsClient;
  /** A client per location, for regional endpoints. */
  readonly clientSupplier?: GcpClientSupplier;
  /** Timeouts and retries, set by the keyring on every call (the client's own retry is off). */
  readonly retry?: GcpRetryOptions;
}

export interface GcpKmsKeyringOptions extends GcpKmsClientChoice {
  /**
   * The CryptoKey that wraps a new data key first (the data key is generated locally: Cloud KMS has
   * no GenerateDataKey). `projects/P/locations/L/keyRings/R/cryptoKeys/K`.
   */
  readonly generatorKeyName?: string;
  /** Further CryptoKeys that each also wrap the data key (e.g. in other locations, for recovery). */
  readonly keyNames?: readonly string[];
}

export function supplierOf(options: GcpKmsClientChoice): GcpClientSupplier {
  if (options.client && options.clientSupplier) {
    throw new InvalidArgumentError('Pass a client or a clientSupplier, not both.');
  }
  const client = options.client;
  if (client) return () => client;
  return options.clientSupplier ?? gcpClientSupplier();
}

/**
 * A strict Cloud KMS keyring: wraps the data key with Encrypt under each of its CryptoKeys (the
 * serialized encryption context is the additional authenticated data), and decrypts only EDKs that
 * name one of its own keys, calling Decrypt on that key. Every call carries and checks CRC32Cs.
 */
export class GcpKmsKeyring extends KeyringBase {
  readonly description: string;
  readonly #generator: string | undefined;
  readonly #keyNames: readonly string[];
  readonly #clients: GcpClientSupplier;
  readonly #retry: GcpRetryOptions | undefined;

  constructor(options: GcpKmsKeyringOptions) {
    super();
    const keyNames = [...(options.keyNames ?? [])];
    if (options.generatorKeyName === undefined && keyNames.length === 0) {
      throw new InvalidArgumentError('A Cloud KMS keyring needs a generatorKeyName, keyNames, or both.');
    }
    if (options.generatorKeyName !== undefined)
      assertCryptoKeyName(options.generatorKeyName, 'generatorKeyName');
    for (const name of keyNames) assertCryptoKeyName(name, 'keyNames entry');
    this.#generator = options.generatorKeyName;
    this.#keyNames = Object.freeze(keyNames);
    this.#clients = supplierOf(options);
    this.#retry = options.retry;
    this.description = `gcp-kms(${[this.#generator, ...keyNames].filter(Boolean).join(', ')})`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    const wrapWith = [...this.#keyNames];
    if (this.#generator) wrapWith.unshift(this.#generator);
    if (!materials.hasDataKey) {
      if (!this.#generator) {
        throw new InvalidArgumentError(
          `${this.description} has no generatorKeyName, so it cannot create a data key.`,
        );
      }
      generateDataKey(materials);
    }
    const aad = serializeEncryptionContext(materials.encryptionContext);
    for (const keyName of wrapWith) {
      const edk = await callGcpKms(this.#clients, 'Encrypt', keyName, (client) =>
        encryptDataKey(client, keyName, materials.dataKey, aad, this.#retry),
      );
      materials.addEncryptedDataKey(edk);
    }
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const own = new Set([this.#generator, ...this.#keyNames].filter((k): k is string => k !== undefined));
    const mine = edks.filter(
      (edk) => edk.providerId === GCP_KMS_PROVIDER_ID && own.has(providerInfoText(edk)),
    );
    if (mine.length === 0) return;
    const aad = serializeEncryptionContext(materials.encryptionContext);
    await unwrapFirst(this.description, materials, mine, (edk) => {
      const keyName = providerInfoText(edk);
      return callGcpKms(this.#clients, 'Decrypt', keyName, (client) =>
        decryptDataKey(client, keyName, edk, aad, materials.suite.keyLength, this.#retry),
      );
    });
  }
}
