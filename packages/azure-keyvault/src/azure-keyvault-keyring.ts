import type { TokenCredential } from '@azure/core-auth';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  generateDataKey,
  InvalidArgumentError,
  KeyringBase,
  providerInfoText,
  unwrapFirst,
} from '@envelope/core';
import {
  type AzureClientSupplier,
  type AzureKeyWrapAlgorithm,
  cachingCryptographyClients,
} from './client-supplier.js';
import { AZURE_KEY_VAULT_PROVIDER_ID } from './describe.js';
import { AzureKeyVaultError, normalizeAzureError } from './errors.js';
import { type AzureKeyId, assertAzureKeyId, azureKeyMatches, parseAzureKeyId } from './key-id.js';
import { type AzureRetryOptions, withAzureRetry } from './retry.js';

export const AZURE_KEY_WRAP_ALGORITHMS: readonly AzureKeyWrapAlgorithm[] = Object.freeze([
  'RSA-OAEP-256',
  'RSA-OAEP',
  'A256KW',
]);

export interface AzureKeyVaultKeyringOptions {
  /**
   * `https://<vault>.vault.azure.net/keys/<name>` (wraps with the latest version; decrypts any
   * version) or `…/keys/<name>/<version>` (that version only).
   */
  readonly keyId: string;
  /** Default `RSA-OAEP-256`; `RSA-OAEP` for RSA keys, `A256KW` for AES (oct-HSM) keys. */
  readonly algorithm?: AzureKeyWrapAlgorithm;
  /** Any `TokenCredential` (`DefaultAzureCredential`, `EmulatorCredential` …). */
  readonly credential?: TokenCredential;
  /** Options for the `CryptographyClient`s it creates (`httpClient`, policies, TLS …). */
  readonly clientOptions?: CryptographyClientOptions;
  /** Supplies the client per key id instead of `credential` (tests, custom caching). */
  readonly clientSupplier?: AzureClientSupplier;
  readonly retry?: AzureRetryOptions;
}

/**
 * A keyring over one Azure Key Vault key: the data key is generated locally and wrapped with
 * `wrapKey`, unwrapped with `unwrapKey`. Each EDK records the full **versioned** key id the vault
 * reported (provider id `azure-kv`), so after a rotation old messages still name — and unwrap with —
 * the version that wrapped them. The algorithm is not recorded: a keyring reads the messages written
 * with its own `algorithm`.
 */
export class AzureKeyVaultKeyring extends KeyringBase {
  readonly description: string;
  readonly #key: AzureKeyId;
  readonly #algorithm: AzureKeyWrapAlgorithm;
  readonly #clients: AzureClientSupplier;
  readonly #retry: AzureRetryOptions | undefined;

  constructor(options: AzureKeyVaultKeyringOptions) {
    super();
    this.#key = assertAzureKeyId(options.keyId, 'keyId');
    const algorithm = options.algorithm ?? 'RSA-OAEP-256';
    if (!AZURE_KEY_WRAP_ALGORITHMS.includes(algorithm)) {
      throw new InvalidArgumentError(
        `algorithm "${algorithm}" is not supported; use one of ${AZURE_KEY_WRAP_ALGORITHMS.join(', ')}.`,
      );
    }
    this.#algorithm = algorithm;
    if (options.clientSupplier) {
      this.#clients = options.clientSupplier;
    } else if (options.credential) {
      this.#clients = cachingCryptographyClients(options.credential, {
        ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
      });
    } else {
      throw new InvalidArgumentError(
        'An Azure Key Vault keyring needs a credential (any TokenCredential) or a clientSupplier.',
      );
    }
    this.#retry = options.retry;
    this.description = `azure-kv(${this.#key.id})`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    if (!materials.hasDataKey) generateDataKey(materials);
    const asked = this.#key.id;
    const out = await this.#call('wrapKey', asked, (client, abortSignal) =>
      client.wrapKey(this.#algorithm, materials.dataKey, { abortSignal }),
    );
    const reported = out.keyID === undefined ? undefined : parseAzureKeyId(out.keyID);
    if (!reported || !azureKeyMatches(this.#key, reported) || out.result.length === 0) {
      throw new AzureKeyVaultError(
        `Azure Key Vault wrapKey with ${asked} answered for ${out.keyID ?? 'no key id'}, not a version of the requested key; nothing was written.`,
        {},
      );
    }
    materials.addEncryptedDataKey({
      providerId: AZURE_KEY_VAULT_PROVIDER_ID,
      providerInfo: Buffer.from(reported.id, 'utf8'),
      ciphertext: Buffer.from(out.result),
    });
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const ids = new Map<EncryptedDataKey, string>();
    for (const edk of edks) {
      if (edk.providerId !== AZURE_KEY_VAULT_PROVIDER_ID) continue;
      const id = parseAzureKeyId(providerInfoText(edk));
      if (id && azureKeyMatches(this.#key, id)) ids.set(edk, id.id);
    }
    await unwrapFirst(this.description, materials, [...ids.keys()], async (edk) => {
      const versioned = ids.get(edk)!;
      const out = await this.#call('unwrapKey', versioned, (client, abortSignal) =>
        client.unwrapKey(this.#algorithm, edk.ciphertext, { abortSignal }),
      );
      const dataKey = Buffer.from(out.result);
      out.result.fill(0);
      const reported = out.keyID === undefined ? undefined : parseAzureKeyId(out.keyID);
      if (out.keyID !== undefined && reported?.id !== versioned) {
        dataKey.fill(0);
        throw new AzureKeyVaultError(
          `Azure Key Vault unwrapKey answered for ${out.keyID}, not the requested ${versioned}.`,
          {},
        );
      }
      if (dataKey.length !== materials.suite.keyLength) {
        dataKey.fill(0);
        throw new AzureKeyVaultError(
          `Azure Key Vault unwrapKey with ${versioned} returned a data key of the wrong length.`,
          {},
        );
      }
      return dataKey;
    });
  }

  /** One call through the client for `keyId`: retried within the deadline, errors normalised. */
  async #call<T>(
    operation: string,
    keyId: string,
    call: (client: ReturnType<AzureClientSupplier>, abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      const client = this.#clients(keyId);
      return await withAzureRetry((signal) => call(client, signal), this.#retry);
    } catch (error) {
      throw normalizeAzureError(operation, keyId, error);
    }
  }
}
