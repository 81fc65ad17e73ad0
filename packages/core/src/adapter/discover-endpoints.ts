/**
 * What a running emulator server says of its faces (`GET /_envelope/endpoints`, served by
 * `@envelope/kms-server`): one entry per listener, by name (`aws-json`, `gcp-grpc`, `gcp-rest`,
 * `azure-https`). Fields other than `url` and `port` are the face's own (the Key Vault face adds
 * its CA certificate and vault host suffix).
 */
export interface EmulatorEndpointAddress {
  readonly url?: string;
  readonly port?: number;
  readonly [field: string]: unknown;
}

/**
 * Asks the emulator server at `url` where its faces listen. `undefined` when it cannot say (no
 * answer within 5 s, not 2xx, not JSON): each keyring package's emulator hook then refuses with its
 * own message naming the flag that starts its face.
 */
export async function discoverEmulatorEndpoints(
  url: string,
): Promise<Readonly<Record<string, EmulatorEndpointAddress | undefined>> | undefined> {
  try {
    const response = await fetch(new URL('/_envelope/endpoints', url), { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    const found = (await response.json()) as { endpoints?: Record<string, EmulatorEndpointAddress> };
    return found.endpoints;
  } catch {
    return undefined;
  }
}
