import { type EmulatorServerTarget, type EmulatorTarget, loadOptionalModule } from '@envelope/core';
import type { HsmCore } from '@envelope/kms-emulator';

/**
 * The GCP emulator hook: settings that reach the emulator's Cloud KMS face. In-process, a
 * `@google-cloud/kms` client on its REST transport whose auth client answers from a `GcpKmsService`
 * over the shared engine's HSM core (no socket); the emulator packages are imported only here. For a
 * server, the target's one answer to `GET /_envelope/endpoints` (shared with the other hooks) says where
 * its Cloud KMS face listens: gRPC when served, else REST; a server without that face yields no settings, and the adapter refuses.
 */
export async function gcpEmulatorClient(target: EmulatorTarget): Promise<Readonly<Record<string, unknown>>> {
  if (target.url !== undefined) return serverEndpoint(target);
  // In the running module system, so the service and the engine share one copy of the emulator's modules.
  const emulator = await loadOptionalModule({
    require: () => require('@envelope/kms-emulator'),
    import: () => import('@envelope/kms-emulator'),
  });
  const protocols = await loadOptionalModule({
    require: () => require('@envelope/kms-protocols/gcp-rest'),
    import: () => import('@envelope/kms-protocols/gcp-rest'),
  });
  const { KeyManagementServiceClient } = await import('@google-cloud/kms');
  const core = (target.engine as { core: HsmCore }).core;
  const client = new KeyManagementServiceClient({
    fallback: 'rest',
    universeDomain: 'googleapis.com',
    authClient: new protocols.GcpInProcessAuthClient(new emulator.GcpKmsService(core)) as never,
  });
  return { client };
}

async function serverEndpoint(target: EmulatorServerTarget): Promise<Readonly<Record<string, unknown>>> {
  const endpoints = await target.endpoints();
  const grpc = endpoints?.['gcp-grpc'];
  if (grpc?.url) return { endpoint: grpc.url, transport: 'grpc' };
  const rest = endpoints?.['gcp-rest'];
  if (rest?.url) return { endpoint: new URL(rest.url).host, transport: 'rest' };
  return {};
}
