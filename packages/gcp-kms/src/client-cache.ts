import { KeyManagementServiceClient } from '@google-cloud/kms';
import type { ClientOptions } from 'google-gax';
import { type GcpTransport, gcpClientOptions } from './client-options.js';
import type { GcpClientSupplier, GcpKmsClient } from './kms-port.js';

/** How to reach Cloud KMS: the values that make two clients different, and nothing else. */
export interface GcpKmsClientConfig {
  /**
   * Another Cloud KMS endpoint (a regional or Private Service Connect host name), or with
   * `emulator: true` the emulator's `host:port`.
   */
  readonly endpoint?: string;
  /** `grpc` (default) or `rest` (the client's HTTP/1 JSON fallback, for networks that block HTTP/2). */
  readonly transport?: GcpTransport;
  /** The endpoint is an emulator: insecure channel, no Google credentials (see {@link gcpClientOptions}). */
  readonly emulator?: boolean;
  /** A service-account key file; default: Application Default Credentials. */
  readonly keyFilename?: string;
  readonly projectId?: string;
}

/** Clients are cached by endpoint configuration: one gRPC channel per endpoint, shared by keyrings. */
const clients = new Map<string, KeyManagementServiceClient>();

export function clientOptionsFor(config: GcpKmsClientConfig): ClientOptions {
  if (config.emulator) {
    if (!config.endpoint) throw new TypeError('An emulator client needs its endpoint.');
    return gcpClientOptions({
      endpoint: config.endpoint,
      ...(config.transport ? { transport: config.transport } : {}),
    });
  }
  return {
    ...(config.endpoint ? { apiEndpoint: config.endpoint } : {}),
    ...(config.transport === 'rest' ? { fallback: 'rest' as const } : {}),
    ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}),
    ...(config.projectId ? { projectId: config.projectId } : {}),
  };
}

/**
 * The `KeyManagementServiceClient` for this endpoint configuration, created on first use and kept:
 * every keyring with the same configuration shares it (and its channel and credentials).
 */
export function cachedGcpKmsClient(config: GcpKmsClientConfig = {}): KeyManagementServiceClient {
  const key = JSON.stringify([
    config.endpoint ?? '',
    config.transport ?? 'grpc',
    Boolean(config.emulator),
    config.keyFilename ?? '',
    config.projectId ?? '',
  ]);
  let client = clients.get(key);
  if (!client) {
    client = new KeyManagementServiceClient(clientOptionsFor(config));
    clients.set(key, client);
  }
  return client;
}

/** A supplier that gives the one cached client for `config` whatever the key's location (one endpoint serves all). */
export function gcpClientSupplier(config: GcpKmsClientConfig = {}): GcpClientSupplier {
  let client: GcpKmsClient | undefined;
  return () => {
    client ??= cachedGcpKmsClient(config);
    return client;
  };
}

/** Closes and forgets every cached client (their channels keep a process alive otherwise). */
export async function closeCachedGcpKmsClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.close()));
}
