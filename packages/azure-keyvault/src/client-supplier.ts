import type { TokenCredential } from '@azure/core-auth';
import { CryptographyClient, type CryptographyClientOptions } from '@azure/keyvault-keys';

/** The key-wrap algorithms the keyring uses: RSA keys (OAEP, OAEP-256) and AES keys (A256KW). */
export type AzureKeyWrapAlgorithm = 'RSA-OAEP-256' | 'RSA-OAEP' | 'A256KW';

/**
 * The two calls the keyring makes on one key: a narrow port that `CryptographyClient` satisfies,
 * so tests (and the in-process emulator) can stand in for it.
 */
export interface AzureKeyClient {
  wrapKey(
    algorithm: AzureKeyWrapAlgorithm,
    key: Uint8Array,
    options: { abortSignal: AbortSignal },
  ): Promise<{ result: Uint8Array; keyID?: string | undefined }>;
  unwrapKey(
    algorithm: AzureKeyWrapAlgorithm,
    encryptedKey: Uint8Array,
    options: { abortSignal: AbortSignal },
  ): Promise<{ result: Uint8Array; keyID?: string | undefined }>;
}

/** Returns the client for one key id (versioned or not). */
export type AzureClientSupplier = (keyId: string) => AzureKeyClient;

export interface CachingCryptographyClientsOptions {
  /** Client options (`httpClient`, `additionalPolicies`, TLS …); the SDK's retries are turned off. */
  readonly clientOptions?: CryptographyClientOptions;
  /**
   * Most clients kept, least recently used dropped beyond it: decrypt takes versioned ids from the
   * message, so a hostile message must not grow the cache without end. Default 32.
   */
  readonly maxClients?: number;
}

/**
 * One `CryptographyClient` per key id, created on first use and cached: a fresh client pays the
 * challenge round trip (401, then the token) and, for RSA keys, fetches the key again. The SDK's
 * own retry policy is off (`maxRetries: 0`) unless `clientOptions.retryOptions` says otherwise: the
 * keyring retries with a deadline, and two layers would multiply the wait on a vault that is down.
 */
export function cachingCryptographyClients(
  credential: TokenCredential,
  options: CachingCryptographyClientsOptions = {},
): AzureClientSupplier {
  const maxClients = options.maxClients ?? 32;
  const clients = new Map<string, CryptographyClient>(); // insertion order = least recently used first
  const clientOptions: CryptographyClientOptions = {
    ...options.clientOptions,
    retryOptions: { maxRetries: 0, ...options.clientOptions?.retryOptions },
  };
  return (keyId) => {
    let client = clients.get(keyId);
    if (client) {
      clients.delete(keyId);
    } else {
      client = new CryptographyClient(keyId, credential, clientOptions);
      if (clients.size >= maxClients) clients.delete(clients.keys().next().value!);
    }
    clients.set(keyId, client);
    return client;
  };
}
