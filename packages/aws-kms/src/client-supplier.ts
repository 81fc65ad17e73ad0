import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';

/** Returns the KMS client for a region (`undefined`: the default region of the configuration). */
export type ClientSupplier = (region: string | undefined) => KMSClient;

export interface CachingClientSupplierOptions {
  /**
   * Most clients kept; the least recently used is dropped beyond it. A discovery keyring takes
   * regions from the message it decrypts, so without a bound a hostile message could make the
   * cache grow without end. Default 16.
   */
  readonly maxClients?: number;
}

/**
 * One client per region, created on first use and cached (at most `maxClients`, least recently used
 * dropped), all sharing `config` (credentials, a custom `requestHandler` for the emulator …). The
 * SDK's own retries are off (`maxAttempts: 1`) unless `config` sets them: the keyring retries with
 * back-off and a deadline (`retry` option), and two layers would multiply the attempts.
 */
export function cachingClientSupplier(
  config: KMSClientConfig = {},
  options: CachingClientSupplierOptions = {},
): ClientSupplier {
  const maxClients = options.maxClients ?? 16;
  const clients = new Map<string, KMSClient>(); // insertion order = least recently used first
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (client) {
      clients.delete(key);
    } else {
      client = new KMSClient({ maxAttempts: 1, ...config, ...(region ? { region } : {}) });
      // Dropped, not destroyed: a call may still be using it, and a shared requestHandler must live on.
      if (clients.size >= maxClients) clients.delete(clients.keys().next().value!);
    }
    clients.set(key, client);
    return client;
  };
}
