import { type EmulatorServerTarget, type EmulatorTarget, loadOptionalModule } from '@envelope/core';
import type { HsmCore } from '@envelope/kms-emulator';
import { EmulatorCredential } from './emulator-credential.js';
import { azureClientOptions } from './emulator-options.js';

/**
 * The Azure emulator hook: `{ credential, clientOptions }` that reach the emulator's Key Vault face.
 * In-process, the SDK's `httpClient` answers from an `AzureKeyVaultService` over the shared engine's
 * HSM core (no socket) and the credential makes the emulator's token; the emulator packages are
 * imported only here. For a server, the target's one answer to `GET /_envelope/endpoints` (shared
 * with the other hooks) says where its Key Vault face listens and which CA it presents, and
 * {@link azureClientOptions} builds the settings from that; a server without that face yields no
 * settings, and the adapter refuses.
 */
export async function azureEmulatorClient(
  target: EmulatorTarget,
): Promise<Readonly<Record<string, unknown>>> {
  if (target.url !== undefined) return serverSettings(target);
  // In the running module system, so the service and the engine share one copy of the emulator's modules.
  const emulator = await loadOptionalModule({
    require: () => require('@envelope/kms-emulator'),
    import: () => import('@envelope/kms-emulator'),
  });
  const protocols = await loadOptionalModule({
    require: () => require('@envelope/kms-protocols/azure-rest'),
    import: () => import('@envelope/kms-protocols/azure-rest'),
  });
  const core = (target.engine as { core: HsmCore }).core;
  const service = new emulator.AzureKeyVaultService(core);
  return {
    credential: new EmulatorCredential(),
    clientOptions: { httpClient: new protocols.AzureInProcessHttpClient(service) },
  };
}

async function serverSettings(target: EmulatorServerTarget): Promise<Readonly<Record<string, unknown>>> {
  const azure = (await target.endpoints())?.['azure-https'];
  if (typeof azure?.port !== 'number' || typeof azure.caCertPem !== 'string') return {};
  // The face listens on the switch URL's host (the name this client reaches the server by), its own port.
  const endpoint = new URL(target.url);
  endpoint.port = String(azure.port);
  const { credential, clientOptions } = azureClientOptions({
    endpoint: endpoint.origin,
    caCertPem: azure.caCertPem,
    ...(typeof azure.vaultHostSuffix === 'string' ? { vaultHostSuffix: azure.vaultHostSuffix } : {}),
  });
  return { credential, clientOptions };
}
