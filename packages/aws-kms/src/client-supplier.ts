import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';

/** Returns the KMS client for a region (`undefined`: the default region of the configuration). */
export type ClientSupplier = (region: string | undefined) => KMSClient;

/**
 * One client per region, created on first use and cached, all sharing `config` (credentials, a
 * custom `requestHandler` for the emulator, retry settings …).
 */
export function cachingClientSupplier(config: KMSClientConfig = {}): ClientSupplier {
  const clients = new Map<string, KMSClient>();
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new KMSClient(region ? { ...config, region } : config);
      clients.set(key, client);
    }
    return client;
  };
}
